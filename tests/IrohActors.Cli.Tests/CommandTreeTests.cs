using System.CommandLine;

namespace IrohActors.Cli.Tests;

public sealed class CommandTreeTests
{
    [Fact]
    public void Every_command_name_is_registered_once_at_each_level()
    {
        // A command registered twice makes System.CommandLine fail on every invocation; merges can do that silently.
        static void Check(Command command, string path)
        {
            var names = command.Subcommands.Select(c => c.Name).ToList();
            var duplicates = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(duplicates.Count == 0, $"'{path}' registers {string.Join(", ", duplicates)} more than once");
            foreach (var sub in command.Subcommands)
                Check(sub, path + " " + sub.Name);
        }

        Check(Program.BuildRoot(), "iroh-actors");
    }

    [Theory]
    [InlineData("hash"), InlineData("cid"), InlineData("bao"), InlineData("node"), InlineData("send"), InlineData("receive"),
     InlineData("get"), InlineData("add"), InlineData("ls"), InlineData("export"), InlineData("tag"), InlineData("gc"), InlineData("rm"),
     InlineData("bench")]
    public void The_documented_commands_exist(string name) =>
        Assert.Contains(Program.BuildRoot().Subcommands, c => c.Name == name);
}
