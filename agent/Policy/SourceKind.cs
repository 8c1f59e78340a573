namespace VolumeAgent.Policy;

internal enum SourceKind
{
    Volume,
    Path,
    Postgres,
    Mysql,
    Sqlite,
}
