using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// Two PostgreSQL 15 servers started side by side once per class: a source with two databases of varied types,
/// an index, a sequence, a view and an extra role with a grant; and an empty one to restore into.
/// Local connections are trusted (the image's default), so a wrong role is named as such by the server.
/// </summary>
public sealed class PostgresServersFixture : IAsyncLifetime
{
    public const string SourcePassword = "source-secret";
    public static readonly string[] Databases = ["shop", "wiki"];

    private const string SourceSql = """
        CREATE ROLE reporter LOGIN PASSWORD 'x';
        CREATE DATABASE shop;
        CREATE DATABASE wiki;
        \connect shop
        CREATE SEQUENCE order_no START 1000 INCREMENT 7;
        CREATE TABLE customers (
          id serial PRIMARY KEY,
          name text NOT NULL,
          email text UNIQUE,
          created timestamptz NOT NULL,
          born date,
          avatar bytea,
          prefs jsonb,
          score numeric(10,2) CHECK (score >= 0),
          active boolean NOT NULL DEFAULT true
        );
        INSERT INTO customers (name, email, created, born, avatar, prefs, score, active)
        SELECT 'Kunde ' || i || ' é 日本', 'c' || i || '@example.test',
               timestamptz '2024-01-01 00:00:00+00' + i * interval '37 minutes 13.5 seconds',
               date '1950-01-01' + (i * 7) % 20000,
               decode(md5(i::text) || md5((i * 3)::text) || '00ff', 'hex'),
               jsonb_build_object('i', i, 'tags', jsonb_build_array('a', i % 7), 'nested', jsonb_build_object('x', i / 3.0)),
               (i * 1.25)::numeric(10,2),
               i % 3 <> 0
        FROM generate_series(1, 3000) AS i;
        CREATE INDEX customers_created_idx ON customers (created DESC);
        CREATE TABLE orders (
          no bigint PRIMARY KEY DEFAULT nextval('order_no'),
          customer_id int NOT NULL REFERENCES customers (id),
          placed timestamp NOT NULL,
          payload json
        );
        ALTER SEQUENCE order_no OWNED BY orders.no;
        INSERT INTO orders (customer_id, placed, payload)
        SELECT (i % 3000) + 1, timestamp '2024-06-01 08:00' + i * interval '1 hour 1 second',
               json_build_object('n', i, 'note', repeat('x', i % 50))
        FROM generate_series(1, 5000) AS i;
        CREATE VIEW active_customers AS SELECT id, name, email FROM customers WHERE active;
        GRANT SELECT ON customers TO reporter;
        \connect wiki
        CREATE TABLE pages (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          title text NOT NULL,
          body text,
          attachment bytea,
          edited timestamp(3) with time zone,
          meta json
        );
        INSERT INTO pages (title, body, attachment, edited, meta)
        SELECT 'Seite ' || i, repeat('Lorem ipsum ' || i || E'\n', i % 20 + 1),
               CASE WHEN i % 5 = 0 THEN NULL ELSE convert_to(repeat(i::text, 10), 'UTF8') END,
               timestamptz '2023-03-26 00:59:59.123+01' + i * interval '1 day 1 millisecond',
               json_build_object('rev', i % 9)
        FROM generate_series(1, 2000) AS i;
        CREATE INDEX pages_title_idx ON pages (lower(title));
        """;

    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private TestScope? _scope;
    private DatabaseContainer? _source;
    private DatabaseContainer? _fresh;

    public PostgresServersFixture(DockerFixture docker) => _docker = docker;

    internal DatabaseContainer Source => _source ?? throw new InvalidOperationException("The fixture was not initialised.");

    /// <summary>An empty server for one restore; only one test may restore into it.</summary>
    internal DatabaseContainer Fresh => _fresh ?? throw new InvalidOperationException("The fixture was not initialised.");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(SetupTimeout);
        _scope = _docker.CreateScope();
        var source = DatabaseContainer.StartPostgresAsync(_scope, "pg-source", cts.Token, $"POSTGRES_PASSWORD={SourcePassword}");
        var fresh = DatabaseContainer.StartPostgresAsync(_scope, "pg-fresh", cts.Token, "POSTGRES_PASSWORD=fresh-secret");
        _source = await source;
        _fresh = await fresh;
        await _source.PsqlAsync("postgres", SourceSql, cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync();
        }
    }
}
