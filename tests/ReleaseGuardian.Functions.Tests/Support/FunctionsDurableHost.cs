using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReleaseGuardian.Functions.Composition;

namespace ReleaseGuardian.Functions.Tests.Support;

/// <summary>One activity invocation as the worker ran it, with the instance's custom status at that moment.</summary>
/// <param name="InstanceId">The orchestration instance.</param>
/// <param name="Name">The activity function.</param>
/// <param name="CustomStatus">The instance's serialized custom status when the activity started.</param>
public sealed record ActivityCall(string InstanceId, string Name, string? CustomStatus);

/// <summary>
/// The app's real orchestrator and activity functions, found by their attributes, running on the Durable Task SDK's
/// in-process test host (real replay, real retry policies) with the Functions app's own composition and serializer.
/// Activities reach Azurite and loopback servers for real; the host only records what ran and can fail an activity
/// on purpose, before it runs, to exercise the retry policy.
/// </summary>
public sealed class FunctionsDurableHost : IAsyncDisposable
{
    private readonly ConcurrentQueue<ActivityCall> _calls = new();
    private readonly ConcurrentDictionary<string, int> _plannedFailures = new();
    private readonly ConcurrentDictionary<(string InstanceId, string Name), DateTimeOffset> _returned = new();
    private readonly ConcurrentDictionary<string, (TaskCompletionSource Reached, TaskCompletionSource Release)> _pauses = new();
    private int _orchestratorEpisodes;
    private int _replayingEpisodes;
    private DurableTaskTestHost _host = null!;

    static FunctionsDurableHost()
    {
        // The test host's gRPC sidecar is a default ASP.NET Core host: it logs every gRPC call at Information unless told
        // otherwise, and it reads its levels from the environment.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
    }

    private FunctionsDurableHost()
    {
    }

    /// <summary>The Durable client of the test host (the <c>[DurableClient]</c> the functions would be given).</summary>
    public DurableTaskClient Client => _host.Client;

    /// <summary>
    /// What a <c>[DurableClient]</c> binding hands a function: the Durable extension's own client, which knows the
    /// host's webhook base URL and the system key query it adds to management URLs (values as the host would give them).
    /// </summary>
    public DurableTaskClient BindingClient { get; private set; } = null!;

    /// <summary>The base URL the host gives the Durable client binding.</summary>
    public const string DurableWebhookBaseUrl = "http://localhost:7071/runtime/webhooks/durabletask";

    /// <summary>The query the host gives the Durable client binding (the extension's system key).</summary>
    public const string DurableSystemKeyQuery = "code=durable-extension-system-key";

    /// <summary>The worker's services: the Functions app's composition.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Every activity invocation so far, in order.</summary>
    public IReadOnlyList<ActivityCall> Calls => _calls.ToArray();

    /// <summary>How often an orchestrator function body was entered, and how often it started replaying.</summary>
    public (int Episodes, int Replaying) OrchestratorRuns => (Volatile.Read(ref _orchestratorEpisodes), Volatile.Read(ref _replayingEpisodes));

    /// <summary>Starts the host with the app's composition over <paramref name="settings"/>, then the test's own <paramref name="services"/>.</summary>
    public static async Task<FunctionsDurableHost> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var host = new FunctionsDurableHost();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var converter = new WorkerSerializerConverter(FunctionsComposition.WorkflowSerializer);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                host._host = await DurableTaskTestHost.StartAsync(
                    registry => host.Register(registry),
                    new DurableTaskTestHostOptions
                    {
                        // The test host picks a random port from 30000-40000 without checking it is free.
                        Port = FreeLoopbackPort(),
                        ConfigureServices = container =>
                        {
                            // The functions read settings from the container's IConfiguration, as in the worker.
                            container.AddSingleton<IConfiguration>(configuration);
                            container.AddGuardianFunctionServices(configuration);
                            container.Configure<DurableTaskWorkerOptions>(o => o.DataConverter = converter);
                            container.Configure<DurableTaskClientOptions>(o => o.DataConverter = converter);
                            services?.Invoke(container);
                        },
                    });
                host.BindingClient = BindingClientOver(host._host.Client);
                return host;
            }
            catch (IOException) when (attempt < 5)
            {
                // Another process took the port between the check and the bind: try another.
            }
        }
    }

    /// <summary>Fails the next <paramref name="times"/> invocations of <paramref name="activity"/> before they run.</summary>
    public void FailNext(string activity, int times) => _plannedFailures[activity] = times;

    /// <summary>
    /// Holds the next invocation of <paramref name="activity"/> before it runs; the first task completes when it is held,
    /// the action lets it go.
    /// </summary>
    public (Task Reached, Action Release) PauseNext(string activity)
    {
        var pause = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _pauses[activity] = pause;
        return (pause.Item1.Task, () => pause.Item2.TrySetResult());
    }

    /// <summary>
    /// Waits until the engine has recorded the result of <paramref name="activity"/> for <paramref name="instanceId"/>:
    /// the instance was updated after the activity function returned.
    /// </summary>
    public async Task WaitForRecordedResultAsync(string instanceId, string activity)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_returned.TryGetValue((instanceId, activity), out var returned)
                && await Client.GetInstanceAsync(instanceId) is { } state && state.LastUpdatedAt > returned)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{activity} of {instanceId} was not recorded within 60 s");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the instance ends (or <paramref name="timeout"/> passes) and returns its final state with inputs and outputs.</summary>
    public async Task<OrchestrationMetadata> WaitForEndAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
    }

    /// <summary>
    /// Stops the worker and starts it again on the same task hub, as a recycled Functions worker would: whatever the
    /// orchestrations do next is replayed from their history.
    /// </summary>
    public async Task RestartWorkerAsync()
    {
        var worker = Services.GetServices<IHostedService>().OfType<DurableTaskWorker>().Single();
        await worker.StopAsync(CancellationToken.None);
        await worker.StartAsync(CancellationToken.None);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private void Register(DurableTaskRegistry registry)
    {
        foreach (var function in FunctionCatalog.Orchestrators)
        {
            registry.AddOrchestrator(function.Name, () => new FunctionOrchestrator(function, this));
        }

        foreach (var function in FunctionCatalog.Activities)
        {
            registry.AddActivity(function.Name, services => new FunctionActivity(function, services, this));
        }
    }

    // The extension's client type is internal; the binding constructs it from the host's binding data.
    private static DurableTaskClient BindingClientOver(DurableTaskClient client)
    {
        var type = typeof(DurableClientAttribute).Assembly.GetType("Microsoft.Azure.Functions.Worker.FunctionsDurableTaskClient", throwOnError: true)!;
        return (DurableTaskClient)Activator.CreateInstance(type, client, DurableSystemKeyQuery, DurableWebhookBaseUrl, null)!;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Type ResultType(MethodInfo method) =>
        method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : typeof(object);

    private sealed class FunctionOrchestrator(DeclaredFunction function, FunctionsDurableHost host) : ITaskOrchestrator
    {
        // As the Durable extension binds it: the first parameter that is neither the context nor a binding is the input.
        private readonly ParameterInfo? _input = function.Method.GetParameters()
            .FirstOrDefault(p => p.ParameterType != typeof(TaskOrchestrationContext) && p.ParameterType != typeof(FunctionContext)
                && p.ParameterType != typeof(CancellationToken));

        public Type InputType => _input?.ParameterType ?? typeof(object);

        public Type OutputType => ResultType(function.Method);

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            Interlocked.Increment(ref host._orchestratorEpisodes);
            if (context.IsReplaying)
            {
                Interlocked.Increment(ref host._replayingEpisodes);
            }

            var arguments = function.Method.GetParameters()
                .Select(p => p.ParameterType == typeof(TaskOrchestrationContext) ? context
                    : p == _input ? input
                    : throw new NotSupportedException($"{function.Name}: orchestrator parameter {p.Name} of type {p.ParameterType}"))
                .ToArray();
            return function.InvokeAsync(null, arguments);
        }
    }

    private sealed class FunctionActivity(DeclaredFunction function, IServiceProvider services, FunctionsDurableHost host) : ITaskActivity
    {
        private readonly ParameterInfo _trigger = function.Method.GetParameters().Single(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null);

        public Type InputType => _trigger.ParameterType;

        public Type OutputType => ResultType(function.Method);

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var state = await host.Client.GetInstanceAsync(context.InstanceId, getInputsAndOutputs: true);
            host._calls.Enqueue(new ActivityCall(context.InstanceId, function.Name, state?.SerializedCustomStatus));
            if (host._pauses.TryRemove(function.Name, out var pause))
            {
                pause.Reached.TrySetResult();
                await pause.Release.Task;
            }

            if (host._plannedFailures.TryGetValue(function.Name, out var left) && left > 0
                && host._plannedFailures.TryUpdate(function.Name, left - 1, left))
            {
                throw new InvalidOperationException($"{function.Name}: planned transient failure ({left} left)");
            }

            await using var scope = services.CreateAsyncScope();
            var target = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Method.DeclaringType!);
            var arguments = function.Method.GetParameters()
                .Select(p => p == _trigger ? input
                    : p.ParameterType == typeof(CancellationToken) ? CancellationToken.None
                    : throw new NotSupportedException($"{function.Name}: activity parameter {p.Name} of type {p.ParameterType}"))
                .ToArray();
            var result = await function.InvokeAsync(target, arguments);
            host._returned[(context.InstanceId, function.Name)] = DateTimeOffset.UtcNow;
            return result;
        }
    }

    /// <summary>
    /// What the Durable extension does with <see cref="WorkerOptions.Serializer"/> (its internal ObjectConverterShim):
    /// every payload crosses the engine as the worker serializer's text.
    /// </summary>
    private sealed class WorkerSerializerConverter(ObjectSerializer serializer) : DataConverter
    {
        public override string? Serialize(object? value) =>
            value is null ? null : serializer.Serialize(value, value.GetType(), CancellationToken.None).ToString();

        public override object? Deserialize(string? data, Type targetType)
        {
            if (data is null)
            {
                return null;
            }

            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(data), writable: false);
            return serializer.Deserialize(stream, targetType, CancellationToken.None);
        }
    }
}
