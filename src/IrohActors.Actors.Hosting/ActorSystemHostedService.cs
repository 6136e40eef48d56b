using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IrohActors.Actors.Hosting;

/// <summary>
/// Runs the hosted actor system's starters when the host starts, stops the host if the system terminates on
/// its own, and runs coordinated shutdown when the host stops.
/// </summary>
internal sealed class ActorSystemHostedService(IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
{
    private ActorSystem? _system;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = services.GetRequiredService<ActorSystemBuilder>();
        var system = _system = services.GetRequiredService<ActorSystem>();
        var registry = services.GetRequiredService<ActorRegistry>();
        try
        {
            foreach (var starter in builder.Starters)
                await starter(system, registry, services).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            system.Log.LogCritical(e, "actor system {Name} failed to start its actors; stopping it", system.Name);
            await system.CoordinatedShutdown.Run("start-up failed", TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            throw;
        }

        _ = system.WhenTerminated.ContinueWith(
            _ => lifetime.StopApplication(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_system is not { } system)
            return;
        var report = await system.CoordinatedShutdown.Run("host stopping").ConfigureAwait(false);
        if (!report.Completed)
            system.Log.LogWarning("actor system {Name} did not stop cleanly: {Report}", system.Name, report);
    }
}
