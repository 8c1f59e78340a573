namespace VolumeAgent.Storage.Local;

/// <summary>
/// Linux errno values. On Unix, .NET puts the errno of a failed call into <see cref="Exception.HResult"/>
/// of the <see cref="IOException"/> it throws, which is how these are matched.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ENOTSUP = 95;
    public const int EDQUOT = 122;

    public static bool IsNoSpace(Exception exception) =>
        exception is IOException { HResult: ENOSPC or EDQUOT };

    public static bool IsNotWritable(Exception exception) =>
        exception is UnauthorizedAccessException
            or IOException { HResult: EROFS or EACCES or EPERM or ENOTDIR or EEXIST };
}
