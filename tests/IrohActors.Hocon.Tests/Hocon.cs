namespace IrohActors.Hocon.Tests;

/// <summary>Small helpers: parse and resolve text without environment fallback unless asked.</summary>
internal static class Hocon
{
    public static Config Parse(string text, Func<string, string?>? env = null) =>
        HoconConfig.ParseString(text).Resolve(env is null
            ? HoconResolveOptions.NoEnvironment
            : new HoconResolveOptions { EnvironmentLookup = env });

    public static string Json(string text, Func<string, string?>? env = null) => Parse(text, env).ToJson();

    public static void AssertJson(string expectedJson, string hocon, Func<string, string?>? env = null) =>
        JsonTree.AssertEqual(expectedJson, Json(hocon, env), hocon);

    public static T Fails<T>(string text) where T : HoconException =>
        Assert.Throws<T>(() => Parse(text));
}
