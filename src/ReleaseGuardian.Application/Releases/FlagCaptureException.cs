namespace ReleaseGuardian.Application.Releases;

/// <summary>
/// A flag's state could not be read (<see cref="IFlagRolloutClient.CaptureAsync"/>): the provider refused, did not
/// answer, or answered with something that is not the flag. The one failure capture cannot turn into a result,
/// because without the state there is nothing safe to restore; the message names what failed, never a secret.
/// </summary>
public sealed class FlagCaptureException : Exception
{
    /// <summary>Creates the exception with a message for people.</summary>
    public FlagCaptureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for people and its cause.</summary>
    public FlagCaptureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public FlagCaptureException()
    {
    }
}
