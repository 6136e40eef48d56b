using IrohActors.Actors.Hosting;
using IrohActors.Hocon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IrohActors.Actors.Hosting.Tests;

public sealed class HostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private sealed class Echo : ReceiveActor
    {
        public static int Stopped;

        public Echo() => Receive<string>(s => Sender.Tell("echo:" + s, Self));

        protected override void PostStop() => Interlocked.Increment(ref Stopped);
    }

    private sealed class EchoKey;

    private sealed class NeverRegistered;

    private static IHost Build(Action<IConfigurationBuilder>? configure = null, Action<ActorSystemBuilder>? actors = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure?.Invoke(builder.Configuration);
        builder.Services.AddActorSystem("hosted", b =>
        {
            b.WithActors((system, registry) => registry.Register<EchoKey>(system.ActorOf(Props.Create<Echo>(), "echo")));
            actors?.Invoke(b);
        });
        return builder.Build();
    }

    [Fact]
    public async Task Actors_start_with_the_host_and_are_found_through_IRequiredActor()
    {
        using var host = Build();
        await host.StartAsync();
        var echo = host.Services.GetRequiredService<IRequiredActor<EchoKey>>().ActorRef;
        Assert.EndsWith("/user/echo", echo.Path.ToString());
        Assert.Equal("echo:hi", await echo.Ask<string>("hi", Patience));
        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_terminates_the_system_and_stops_its_actors()
    {
        using var host = Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var before = Volatile.Read(ref Echo.Stopped);
        await host.StopAsync();
        await system.WhenTerminated.WaitAsync(Patience);
        Assert.True(Volatile.Read(ref Echo.Stopped) > before, "PostStop of the hosted actor ran");
    }

    [Fact]
    public async Task A_system_that_terminates_on_its_own_stops_the_host()
    {
        using var host = Build();
        await host.StartAsync();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        await host.Services.GetRequiredService<ActorSystem>().Terminate();
        await stopping.Task.WaitAsync(Patience);
        await host.StopAsync();
    }

    [Fact]
    public async Task Settings_compose_hocon_then_environment_then_command_line()
    {
        const string prefix = "IROH_HOSTING_TEST_";
        Environment.SetEnvironmentVariable(prefix + "akka__actor__default-dispatcher__throughput", "7");
        Environment.SetEnvironmentVariable(prefix + "akka__actor__ask-timeout", "9s");
        try
        {
            using var host = Build(c => c
                .AddHoconString("""
                    akka.actor { ask-timeout = 2s, default-dispatcher.throughput = 3 }
                    akka.test.timefactor = 2.5
                    akka.actor.default-mailbox { mailbox-type = bounded, mailbox-capacity = 64, overflow-policy = drop-oldest }
                    """)
                .AddEnvironmentVariables(prefix)
                .AddCommandLine(["--akka:actor:ask-timeout=250ms"]));
            await host.StartAsync();
            var settings = host.Services.GetRequiredService<ActorSystem>().Settings;
            Assert.Equal(7, settings.Throughput);                          // environment over HOCON
            Assert.Equal(TimeSpan.FromMilliseconds(250), settings.AskTimeout); // command line over environment
            Assert.Equal(2.5, settings.TestTimeFactor);                    // HOCON alone
            Assert.Equal(MailboxSettings.Bounded(64, MailboxOverflowPolicy.DropOldest), settings.DefaultMailbox);
            await host.StopAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "akka__actor__default-dispatcher__throughput", null);
            Environment.SetEnvironmentVariable(prefix + "akka__actor__ask-timeout", null);
        }
    }

    [Fact]
    public void A_malformed_setting_names_its_key_and_value()
    {
        var configuration = new ConfigurationBuilder().AddHoconString("akka.coordinated-shutdown.default-phase-timeout = 5 fortnights").Build();
        var error = Assert.Throws<FormatException>(() => ActorSystemSettingsBinder.Bind(configuration));
        Assert.Contains("akka.coordinated-shutdown.default-phase-timeout", error.Message);
        Assert.Contains("5 fortnights", error.Message);
    }

    [Fact]
    public void Builder_adjustments_override_configuration()
    {
        using var host = Build(c => c.AddHoconString("akka.actor.ask-timeout = 2s"), b => b.WithActorAskTimeout(TimeSpan.FromSeconds(42)));
        Assert.Equal(TimeSpan.FromSeconds(42), host.Services.GetRequiredService<ActorSystem>().Settings.AskTimeout);
    }

    [Fact]
    public void The_reference_configuration_states_the_kernel_defaults()
    {
        // hocon/reference.conf documents every default; if it and the kernel drift apart, this fails.
        var fromReference = ActorSystemSettingsBinder.Bind(HoconConfig.LoadReference());
        Assert.Equal(ActorSystemSettings.Default with { LoggerFactory = fromReference.LoggerFactory }, fromReference);
    }

    [Fact]
    public async Task The_registry_rejects_duplicates_and_GetAsync_waits_for_registration()
    {
        using var host = Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<IActorRegistry>();
        var echo = registry.Get<EchoKey>();
        Assert.Throws<DuplicateActorRegistryException>(() => registry.Register<EchoKey>(echo));
        Assert.Throws<MissingActorRegistryEntryException>(() => host.Services.GetRequiredService<IRequiredActor<NeverRegistered>>().ActorRef);

        var pending = host.Services.GetRequiredService<IRequiredActor<NeverRegistered>>().GetAsync();
        Assert.False(pending.IsCompleted);
        registry.Register<NeverRegistered>(echo);
        Assert.Same(echo, await pending.WaitAsync(Patience));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_failing_starter_fails_host_start_and_stops_the_system()
    {
        using var host = Build(actors: b => b.WithActors((_, _) => throw new InvalidOperationException("boom at start")));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Equal("boom at start", error.Message);
        await host.Services.GetRequiredService<ActorSystem>().WhenTerminated.WaitAsync(Patience);
    }
}
