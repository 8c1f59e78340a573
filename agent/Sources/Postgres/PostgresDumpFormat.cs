namespace VolumeAgent.Sources.Postgres;

internal enum PostgresDumpFormat
{
    /// <summary>pg_dump --format=custom, restored with pg_restore.</summary>
    Custom,

    /// <summary>Plain SQL, restored with psql.</summary>
    Plain,
}
