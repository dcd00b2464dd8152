using CsCheck;
using Microsoft.Extensions.Primitives;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Infrastructure.Tests.HttpApi;

public sealed class ApiRequestReaderTests
{
    private static readonly KeyValuePair<string, StringValues>[] None = [];

    private static Task<(WebhookRequest? Request, IngestProblem? Problem)> ReadAsync(byte[] body, long? announced, int chunk) =>
        ApiRequestReader.ReadAsync(new TrickleStream(body, chunk), announced, "application/json", None, None, CancellationToken.None);

    [Fact]
    public async Task Any_body_within_the_limit_is_read_byte_for_byte_whether_its_length_is_announced_right_wrong_or_not_at_all()
    {
        // Random bytes that happen to hold a JSON string with invalid UTF-8 are refused on purpose (JsonStrings): not this test's case.
        var bodies = Gen.Byte.Array[0, 20_000].Where(b => JsonStrings.FindUndecodable(b) is null);
        await Gen.Select(bodies, Gen.Int[1, 5_000], Gen.Int[0, 3], Gen.Int[0, 100]).SampleAsync(async (body, chunk, mode, skew) =>
        {
            // 0: not announced, 1: exact, 2: announced too short (the rest is still read), 3: announced too long (what came is kept)
            long? announced = mode switch { 0 => null, 1 => body.Length, 2 => Math.Max(0, body.Length - skew), _ => body.Length + skew };

            var (request, problem) = await ReadAsync(body, announced, chunk);

            Assert.Null(problem);
            Assert.Equal(body, request!.Body.ToArray());
        }, iter: 200);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1000L)]
    public async Task A_body_over_the_limit_is_refused_naming_the_body_however_its_length_was_announced(long? announced)
    {
        var body = new byte[ApiRequestReader.MaxBodyBytes + 1];

        var (request, problem) = await ReadAsync(body, announced, 64 * 1024);

        Assert.Null(request);
        Assert.Equal("body", problem?.Field);
        Assert.Equal(413, problem?.StatusCode);
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_accepted()
    {
        var body = new byte[ApiRequestReader.MaxBodyBytes];
        body[^1] = 7;

        var (request, problem) = await ReadAsync(body, null, 100_000);

        Assert.Null(problem);
        Assert.Equal(ApiRequestReader.MaxBodyBytes, request!.Body.Length);
        Assert.Equal(7, request.Body.Span[^1]);
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, like a socket.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
