using Azure.Data.Tables;
using CsCheck;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

public sealed class KeyTextTests
{
    [Fact]
    public void Escaped_text_holds_no_character_keys_forbid_nor_the_separator() =>
        Gen.String.Sample(text =>
        {
            var escaped = KeyText.Escape(text);
            Assert.DoesNotContain(escaped, c => c is '/' or '\\' or '#' or '?' or '|' || char.IsControl(c));
        });

    [Fact]
    public void Different_texts_escape_to_different_keys() =>
        Gen.Select(Gen.String, Gen.String).Sample((a, b) => Assert.Equal(a == b, KeyText.Escape(a) == KeyText.Escape(b)));

    [Fact]
    public void Inverted_ticks_sort_later_times_first() =>
        Gen.Select(Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks], Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks]).Sample((a, b) =>
        {
            var order = Math.Sign(string.CompareOrdinal(KeyText.InvertedTicks(a), KeyText.InvertedTicks(b)));
            Assert.Equal(-Math.Sign(a.CompareTo(b)), order);
        });

    [Fact]
    public void Long_segments_are_shortened_but_stay_distinct()
    {
        var a = KeyText.Segment(new string('a', 2000) + "1");
        var b = KeyText.Segment(new string('a', 2000) + "2");

        Assert.True(a.Length <= 240);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Large_text_and_compressed_payloads_round_trip_through_entity_properties() =>
        Gen.String[0, 200_000].Sample(text =>
        {
            var entity = new TableEntity("p", "r");
            LargeProperty.WriteText(entity, "Data", text);
            LargeProperty.WriteCompressed(entity, "Raw", text);

            Assert.All(((IDictionary<string, object>)entity).Values.OfType<string>(), s => Assert.True(s.Length * 2 <= 64 * 1024));
            Assert.All(((IDictionary<string, object>)entity).Values.OfType<byte[]>(), b => Assert.True(b.Length <= 64 * 1024));
            Assert.Equal(text, LargeProperty.ReadText(entity, "Data"));
            Assert.Equal(text, LargeProperty.ReadCompressed(entity, "Raw"));
        }, iter: 30);
}
