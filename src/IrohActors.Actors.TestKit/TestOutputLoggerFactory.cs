using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace IrohActors.Actors.TestKit;

/// <summary>Routes the kernel's log (failures, dead letters) to xunit's test output.</summary>
internal sealed class TestOutputLoggerFactory(ITestOutputHelper output) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            try
            {
                var line = $"[{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}] {category}: {formatter(state, exception)}";
                output.WriteLine(exception is null ? line : line + Environment.NewLine + "  " + exception.GetType().Name + ": " + exception.Message);
            }
            catch (InvalidOperationException)
            {
                // the test has finished; xunit no longer accepts output
            }
        }
    }
}
