using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using ReleaseGuardian.Functions.Composition;

namespace ReleaseGuardian.Functions.Tests.Support;

/// <summary>A function of the app as its attributes declare it: the name the host knows and the method it calls.</summary>
/// <param name="Name">The <c>[Function]</c> name.</param>
/// <param name="Method">The method the worker invokes.</param>
/// <param name="Trigger">The trigger attribute on its trigger parameter.</param>
public sealed record DeclaredFunction(string Name, MethodInfo Method, Attribute Trigger)
{
    /// <summary>The HTTP trigger, for HTTP functions.</summary>
    public HttpTriggerAttribute? Http => Trigger as HttpTriggerAttribute;

    /// <summary>Calls the method as the worker would and awaits it; returns the task's result, if it has one.</summary>
    public async Task<object?> InvokeAsync(object? target, object?[] arguments)
    {
        Task task;
        try
        {
            task = (Task)Method.Invoke(target, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }

        await task;
        return Method.ReturnType.IsGenericType ? task.GetType().GetProperty("Result")!.GetValue(task) : null;
    }
}

/// <summary>
/// Every function of ReleaseGuardian.Functions, read from the same attributes the Worker SDK's generator reads, so the
/// tests run what the host would run and no list is kept by hand.
/// </summary>
public static class FunctionCatalog
{
    /// <summary>The Functions app's assembly.</summary>
    public static Assembly App { get; } = typeof(FunctionsComposition).Assembly;

    /// <summary>All functions of the app.</summary>
    public static IReadOnlyList<DeclaredFunction> All { get; } = Discover();

    /// <summary>The orchestrator functions.</summary>
    public static IEnumerable<DeclaredFunction> Orchestrators => All.Where(f => f.Trigger is OrchestrationTriggerAttribute);

    /// <summary>The activity functions.</summary>
    public static IEnumerable<DeclaredFunction> Activities => All.Where(f => f.Trigger is ActivityTriggerAttribute);

    /// <summary>The HTTP functions.</summary>
    public static IEnumerable<DeclaredFunction> HttpFunctions => All.Where(f => f.Http is not null);

    /// <summary>The function named <paramref name="name"/>.</summary>
    public static DeclaredFunction Named(string name) => All.Single(f => f.Name == name);

    private static List<DeclaredFunction> Discover() =>
        (from type in App.GetTypes()
         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
         let function = method.GetCustomAttribute<FunctionAttribute>()
         where function is not null
         let trigger = method.GetParameters()
             .SelectMany(p => p.GetCustomAttributes())
             .Single(a => a.GetType().Name.EndsWith("TriggerAttribute", StringComparison.Ordinal))
         select new DeclaredFunction(function.Name, method, trigger)).ToList();
}
