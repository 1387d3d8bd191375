using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Perps.AppHost;

public enum DependencyMode { Container, Executable }

public static class DependencyModes
{
    /// <summary>
    /// <c>Deps:Mode</c> = container | executable | auto (default). Publishing always uses containers;
    /// auto uses containers only when a container runtime answers, because with no daemon
    /// <c>AddRedis</c>/<c>AddPostgres</c> never become healthy and the app never finishes starting.
    /// </summary>
    public static DependencyMode Resolve(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return DependencyMode.Container;
        }

        return (builder.Configuration["Deps:Mode"] ?? "auto").ToLowerInvariant() switch
        {
            "container" => DependencyMode.Container,
            "executable" => DependencyMode.Executable,
            _ => ContainerRuntimeAnswers(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker")
                ? DependencyMode.Container
                : DependencyMode.Executable,
        };
    }

    /// <summary>True when <c>docker info</c> (or <c>podman info</c>) reaches a daemon within 10 s.</summary>
    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // the runtime's CLI is not installed
        }
    }
}
