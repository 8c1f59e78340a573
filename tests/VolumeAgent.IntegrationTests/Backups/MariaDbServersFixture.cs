using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// Two MariaDB 10.11 servers started side by side once per class: a source with two databases (a trigger, a
/// procedure and a function; BLOB, DATETIME, SET and ENUM columns; InnoDB and MyISAM tables) and an empty one
/// to restore into.
/// </summary>
public sealed class MariaDbServersFixture : IAsyncLifetime
{
    public const string SourceRootPassword = "source-root-secret";
    public const string FreshRootPassword = "fresh-root-secret";
    public static readonly string[] Databases = ["blog", "shop"];

    private const string SourceSql = """
        CREATE DATABASE shop CHARACTER SET utf8mb4;
        CREATE DATABASE blog;
        USE shop;
        CREATE TABLE products (
          id INT AUTO_INCREMENT PRIMARY KEY,
          name VARCHAR(200) NOT NULL,
          price DECIMAL(10,2) NOT NULL,
          image BLOB,
          created DATETIME(3) NOT NULL,
          stock INT NOT NULL DEFAULT 0,
          KEY created_idx (created)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
        CREATE TABLE audit (
          id INT AUTO_INCREMENT PRIMARY KEY,
          product_id INT NOT NULL,
          at DATETIME NOT NULL,
          note TEXT
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
        DELIMITER //
        CREATE TRIGGER products_audit AFTER INSERT ON products FOR EACH ROW
          INSERT INTO audit (product_id, at, note) VALUES (NEW.id, NEW.created, CONCAT('new ', NEW.name))//
        CREATE PROCEDURE restock(IN amount INT)
        BEGIN
          UPDATE products SET stock = stock + amount WHERE id % 2 = 0;
        END//
        CREATE FUNCTION price_with_tax(p DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC
          RETURN ROUND(p * 1.19, 2)//
        DELIMITER ;
        INSERT INTO products (name, price, image, created)
        SELECT CONCAT('Produkt ', seq, ' é 日本'), seq * 1.25, UNHEX(CONCAT(SHA2(seq, 256), '00FF')),
               TIMESTAMP('2024-01-01 00:00:00') + INTERVAL seq MINUTE + INTERVAL (seq % 1000) * 1000 MICROSECOND
        FROM seq_1_to_3000;
        CALL restock(5);
        USE blog;
        CREATE TABLE posts (
          id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
          title VARCHAR(255) NOT NULL,
          body MEDIUMTEXT,
          cover LONGBLOB,
          published DATETIME,
          flags SET('draft', 'pinned'),
          kind ENUM('note', 'article') NOT NULL
        ) ENGINE=InnoDB;
        CREATE TABLE tags (
          post_id BIGINT UNSIGNED NOT NULL,
          tag VARCHAR(50) NOT NULL,
          PRIMARY KEY (post_id, tag),
          FOREIGN KEY (post_id) REFERENCES posts (id)
        ) ENGINE=InnoDB;
        CREATE TABLE legacy (id INT PRIMARY KEY, note VARCHAR(100)) ENGINE=MyISAM;
        INSERT INTO posts (title, body, cover, published, flags, kind)
        SELECT CONCAT('Post ', seq), REPEAT(CONCAT('Text ', seq, '\n'), seq % 30 + 1),
               IF(seq % 4 = 0, NULL, UNHEX(REPEAT(SHA2(seq, 512), 8))),
               IF(seq % 7 = 0, NULL, TIMESTAMP('2020-02-29 23:59:59') + INTERVAL seq HOUR),
               IF(seq % 3 = 0, 'draft,pinned', 'draft'), IF(seq % 2 = 0, 'note', 'article')
        FROM seq_1_to_2000;
        INSERT INTO tags SELECT id, CONCAT('t', id % 10) FROM posts;
        INSERT INTO tags SELECT id, 'extra' FROM posts WHERE id % 5 = 0;
        INSERT INTO legacy SELECT seq, CONCAT('old ', seq) FROM seq_1_to_500;
        """;

    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private TestScope? _scope;
    private DatabaseContainer? _source;
    private DatabaseContainer? _fresh;

    public MariaDbServersFixture(DockerFixture docker) => _docker = docker;

    internal DatabaseContainer Source => _source ?? throw new InvalidOperationException("The fixture was not initialised.");

    /// <summary>An empty server for one restore; only one test may restore into it.</summary>
    internal DatabaseContainer Fresh => _fresh ?? throw new InvalidOperationException("The fixture was not initialised.");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(SetupTimeout);
        _scope = _docker.CreateScope();
        var source = DatabaseContainer.StartMariaDbAsync(_scope, "maria-source", SourceRootPassword, cts.Token);
        var fresh = DatabaseContainer.StartMariaDbAsync(_scope, "maria-fresh", FreshRootPassword, cts.Token);
        _source = await source;
        _fresh = await fresh;
        await _source.MariaDbAsync(SourceRootPassword, null, SourceSql, cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync();
        }
    }
}
