using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using ReleaseGuardian.Application.Hosting;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>Names of the storage resources (tests set a unique prefix so they cannot see each other's rows).</summary>
public sealed partial class StorageOptions
{
    /// <summary>Prepended to every table name: letters and digits, starting with a letter; empty by default.</summary>
    public string TablePrefix { get; init; } = "";

    /// <summary>The inbound event queue; <see cref="QueueNames.GuardianEvents"/> by default.</summary>
    public string QueueName { get; init; } = QueueNames.GuardianEvents;

    /// <summary>The poison queue; <see cref="QueueNames.GuardianEventsPoison"/> by default.</summary>
    public string PoisonQueueName { get; init; } = QueueNames.GuardianEventsPoison;

    /// <summary>
    /// The names <c>Storage:Prefix</c> asks for: it isolates tables and queues, so several hosts (tests, demos) can share
    /// one account. Empty by default.
    /// </summary>
    public static StorageOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var prefix = configuration["Storage:Prefix"] ?? "";
        return new StorageOptions
        {
            TablePrefix = prefix,
            QueueName = PrefixedQueueName(prefix, QueueNames.GuardianEvents),
            PoisonQueueName = PrefixedQueueName(prefix, QueueNames.GuardianEventsPoison),
        };
    }

    /// <summary>A queue name under <c>Storage:Prefix</c>.</summary>
    public static string PrefixedQueueName(string prefix, string name) =>
        string.IsNullOrEmpty(prefix) ? name : prefix.ToLowerInvariant() + "-" + name;

    /// <summary>Throws when a name is not one Azure Storage accepts, naming the option.</summary>
    public void Validate()
    {
        if (TablePrefix.Length > 0 && !TablePrefixPattern().IsMatch(TablePrefix))
        {
            throw new ArgumentException($"{nameof(TablePrefix)} must be letters and digits starting with a letter (at most 40), got '{TablePrefix}'.", nameof(TablePrefix));
        }

        foreach (var (option, name) in new[] { (nameof(QueueName), QueueName), (nameof(PoisonQueueName), PoisonQueueName) })
        {
            if (!QueueNamePattern().IsMatch(name) || name.Contains("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"{option} must be 3-63 lowercase letters, digits and single hyphens, got '{name}'.", option);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,39}$")]
    private static partial Regex TablePrefixPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueNamePattern();
}
