using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AutoDiff.Functional.Models;
using AutoDiff.Functional.Report;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>A ratings file and what was done to it.</summary>
public sealed record RatingsFile(string Text, string Corruption)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Corruption}: {MovieLens.Excerpt(Text.Replace("\n", "⏎"), Text.Length)}";
}

public static partial class DataInputArbs
{
    // Number formats of other locales, built by hand (the test host may run in globalization-invariant mode): the
    // decimal separator, the group separator, and the digits ('0' for ASCII, U+0660 Arabic-Indic, U+FF10 full-width).
    static readonly (string Name, string Point, string Group, char Zero)[] Locales =
    [
        ("de-DE", ",", ".", '0'), ("fr-FR", ",", "\u202F", '0'), ("ru-RU", ",", "\u00A0", '0'), ("ar-SA", "\u066B", "\u066C", '\u0660'),
        ("ja-JP full-width", ".", ",", '\uFF10'), ("en-US", ".", ",", '0'), ("de-CH", ".", "’", '0'),
    ];

    static string Format(double value, int decimals, (string Name, string Point, string Group, char Zero) locale, bool grouped)
    {
        var format = new NumberFormatInfo { NumberDecimalSeparator = locale.Point, NumberGroupSeparator = locale.Group };
        var text = value.ToString((grouped ? "N" : "F") + decimals, format);
        return string.Concat(text.Select(c => c is >= '0' and <= '9' ? (char)(locale.Zero + (c - '0')) : c));
    }
    static readonly string[] Invisible = ["\uFEFF", "\u200B", "\t", "\0", "\r", "\u00A0", "\u202F", "\u2028", " "];
    static readonly string[] Ratings = ["NaN", "Infinity", "-Infinity", "∞", "1e3", "3.", ".5", "-", "", "3.5.1", "+3", " 3.5", "3.5 ", "0x10", "٣٫٥", "３.５"];

    static Gen<string> Line =>
        from user in Gen.Choose(1, 1_000_000)
        from item in Gen.Choose(1, 200_000)
        from halves in Gen.Choose(1, 10)
        from decimals in Gen.Choose(0, 3)
        from fraction in Gen.Choose(0, 999)
        from time in Gen.Choose(0, int.MaxValue)
        let rating = decimals == 0 ? (halves / 2.0).ToString(CultureInfo.InvariantCulture) : (halves / 2 + fraction / 1000.0).ToString("F" + decimals, CultureInfo.InvariantCulture)
        select $"{user},{item},{rating},{time}";

    /// <summary>A valid file of 1–30 ratings, then one corruption: an extra or a missing field, a number written in
    /// another locale (decimal comma, thousands separators, other digits), an invisible character inserted, the whole
    /// file in UTF-16 or a Latin-1 reading of UTF-8 with its BOM, a truncation, a huge line, or a rating no reader
    /// should guess at. Some corruptions leave a valid file (a truncation at a line's end): the spec below decides.</summary>
    public static Arbitrary<RatingsFile> File() =>
        (from count in Gen.Choose(1, 30)
         from lines in Gen.ArrayOf(Line, count).Select(l => l.ToList())
         from kind in Gen.Choose(0, 9)
         from at in Gen.Choose(0, lines.Count - 1)
         from position in Gen.Choose(0, 1 << 20)
         from pick in Gen.Choose(0, 1 << 20)
         from crlf in Gen.Elements(false, true)
         select Corrupt(lines, kind, at, position, pick, crlf)).ToArbitrary();

    static RatingsFile Corrupt(List<string> lines, int kind, int at, int position, int pick, bool crlf)
    {
        string newline = crlf ? "\r\n" : "\n";
        string Join() => MovieLens.Header + newline + string.Join(newline, lines) + newline;
        var fields = lines[at].Split(',');
        string what;
        switch (kind)
        {
            case 0:
                lines[at] += "," + (pick % 3 == 0 ? "" : pick.ToString(CultureInfo.InvariantCulture));
                what = $"extra field on data line {at + 1}";
                break;
            case 1:
                lines[at] = string.Join(",", fields.Where((_, i) => i != pick % 4));
                what = $"field {pick % 4 + 1} dropped on data line {at + 1}";
                break;
            case 2:
                var locale = Locales[pick % Locales.Length];
                var rating = double.Parse(fields[2], CultureInfo.InvariantCulture);
                fields[2] = Format(rating, rating == Math.Floor(rating) ? 0 : 1 + pick % 2, locale, false);
                if (pick % 5 == 0) fields[0] = Format(int.Parse(fields[0], CultureInfo.InvariantCulture), 0, locale, true);
                lines[at] = string.Join(",", fields);
                what = $"numbers in {locale.Name} on data line {at + 1}";
                break;
            case 3:
                var c = Invisible[pick % Invisible.Length];
                int p = position % (lines[at].Length + 1);
                lines[at] = lines[at][..p] + c + lines[at][p..];
                what = $"U+{(int)c[0]:X4} at column {p + 1} of data line {at + 1}";
                break;
            case 4:
                return (pick % 3) switch
                {
                    0 => new RatingsFile(Encoding.UTF8.GetString(Encoding.Unicode.GetBytes(Join())), "UTF-16 read as UTF-8"),
                    1 => new RatingsFile(Encoding.Latin1.GetString([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Join())]), "UTF-8 with its BOM read as Latin-1"),
                    _ => new RatingsFile("\uFEFF" + Join(), "a byte-order mark kept by the reader"),
                };
            case 5:
                var text = Join();
                int cut = position % (text.Length + 1);
                return new(text[..cut], $"truncated after {cut} of {text.Length} characters");
            case 6:
                int length = 1025 + pick % 200_000;
                var huge = new StringBuilder(length);
                for (int i = 0; huge.Length < length; i++) huge.Append((char)('0' + (pick + i * 7) % 10)).Append(i % 13 == 0 ? "," : "");
                lines[at] = huge.ToString();
                what = $"data line {at + 1} of {huge.Length} characters";
                break;
            case 7:
                fields[2] = Ratings[pick % Ratings.Length];
                lines[at] = string.Join(",", fields);
                what = $"rating '{fields[2]}' on data line {at + 1}";
                break;
            case 8:
                fields[pick % 2 == 0 ? 0 : 3] = pick % 3 == 0 ? "-" + fields[0] : pick % 3 == 1 ? "+" + fields[0] : fields[0] + ".0";
                lines[at] = string.Join(",", fields);
                what = $"a signed or decimal whole number on data line {at + 1}";
                break;
            default:
                what = "none";
                break;
        }
        return new(Join(), what);
    }
}

/// <summary>The MovieLens reader against random corruptions of a valid ratings file, judged by the format written
/// here as a regular expression, independently of the reader: a file that meets it is read exactly; any other fails
/// with a FormatException that names the first bad line, quotes at most a bounded excerpt, and shows no invisible
/// character. And the report's options: unknown, repeated, missing and non-finite values name the option.</summary>
[Properties(Arbitrary = [typeof(DataInputArbs)], MaxTest = 200)]
public partial class DataInputProperties
{
    [GeneratedRegex(@"^[0-9]{1,18},[0-9]{1,18},-?[0-9]+(\.[0-9]+)?,[0-9]{1,18}$")]
    private static partial Regex RatingLine();

    /// <summary>The format: the first bad line's number (0 when the file is valid), and the ratings of a valid file.</summary>
    static (long BadLine, List<(long User, long Item, double Rating)> Ratings) Spec(string text)
    {
        var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToArray();
        if (text.Length == 0) return (1, []);
        if (lines[0].TrimStart('\uFEFF') != MovieLens.Header || lines[0].StartsWith("\uFEFF\uFEFF", StringComparison.Ordinal)) return (1, []);
        var ratings = new List<(long, long, double)>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            if (lines[i].Length > MovieLens.MaxLineLength || !RatingLine().IsMatch(lines[i]) || !double.IsFinite(double.Parse(f[2], CultureInfo.InvariantCulture)))
                return (i + 1, []);
            ratings.Add((long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture)));
        }
        return (0, ratings);
    }

    static bool Visible(string message) => message.All(c => c == ' ' || !char.IsControl(c) && !char.IsWhiteSpace(c)
        && CharUnicodeInfo.GetUnicodeCategory(c) is not (UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned));

    [Property]
    public Property A_corrupted_ratings_file_is_read_exactly_or_rejected_naming_its_first_bad_line(RatingsFile file)
    {
        var (bad, expected) = Spec(file.Text);
        try
        {
            var (ratings, users, items) = MovieLens.Read(new StringReader(file.Text));
            bool same = bad == 0 && ratings.Count == expected.Count && Enumerable.Range(0, expected.Count).All(p =>
                users[ratings.User[p]] == expected[p].User && items[ratings.Item[p]] == expected[p].Item && ratings.Value[p] == expected[p].Rating);
            return same.Label($"read, but the spec says {(bad == 0 ? "different values" : $"line {bad} is bad")}").Classify(true, "valid after corruption");
        }
        catch (FormatException e)
        {
            string message = e.Message;
            return (bad != 0 && (message.StartsWith($"MovieLens: line {bad} ", StringComparison.Ordinal) || message.StartsWith($"MovieLens: line {bad},", StringComparison.Ordinal)
                    || bad == 1 && message.StartsWith("MovieLens: the input is empty", StringComparison.Ordinal)))
                .Label($"spec: line {bad}; message: {message}")
                .And((message.Length <= 600).Label($"a message of {message.Length} characters"))
                .And(Visible(message).Label($"an invisible character in: {message}"))
                .Classify(true, "rejected");
        }
    }

    /// <summary>A 100 MB line is named by its length, quoted in 80 characters, and never held whole.</summary>
    [Fact]
    public void A_100_MB_line_is_named_by_its_length()
    {
        var e = Assert.Throws<FormatException>(() => MovieLens.Read(new EndlessLine(MovieLens.Header + "\n1,2,3.5,0\n", 100_000_000)));
        Assert.StartsWith("MovieLens: line 3 has 100000000 characters, more than a ratings line's 1024; it begins '1,2,3,4,5,6,7,8,9,0", e.Message);
        Assert.EndsWith("… (100000000 characters)'", e.Message);
        Assert.True(e.Message.Length < 250, e.Message);
    }

    [Theory]
    [InlineData("userId,movieId,rating,timestamp\n1,2,3,5,964982703\n", "MovieLens: line 2 has 5 comma-separated fields, not the 4 of 'userId,movieId,rating,timestamp' (numbers in invariant culture, a point before decimals): '1,2,3,5,964982703'")]
    [InlineData("userId,movieId,rating,timestamp\n1,2,3.5,964982703,x\n", "MovieLens: line 2 has 5 comma-separated fields, not the 4 of 'userId,movieId,rating,timestamp' (numbers in invariant culture, a point before decimals): '1,2,3.5,964982703,x'")]
    [InlineData("\uFEFF\uFEFFuserId,movieId,rating,timestamp\n", @"MovieLens: line 1 is '\uFEFFuserId,movieId,rating,timestamp', not the header 'userId,movieId,rating,timestamp'")]
    [InlineData("userId,movieId,rating,timestamp\n1,2,NaN,964982703\n", "MovieLens: line 2, field 3 (rating) at column 5: 'NaN' is not a decimal number such as 3.5; the line is '1,2,NaN,964982703'")]
    [InlineData("userId,movieId,rating,timestamp\n1,\u00A02,3.5,964982703\n", @"MovieLens: line 2, field 2 (movieId) at column 3: '\u00A02' is not a whole number of digits; the line is '1,\u00A02,3.5,964982703'")]
    [InlineData("", "MovieLens: the input is empty, not a file starting with the header 'userId,movieId,rating,timestamp'")]
    public void MovieLens_messages_are_exact(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => MovieLens.Read(new StringReader(text))).Message);

    [Fact]
    public void A_byte_order_mark_and_CRLF_lines_are_read()
    {
        var (ratings, users, _) = MovieLens.Read(new StringReader("\uFEFFuserId,movieId,rating,timestamp\r\n7,31,2.5,1260759144\r\n\r\n8,31,4,1\r\n"));
        Assert.Equal([2.5, 4], ratings.Value);
        Assert.Equal([7L, 8L], users);
    }

    /// <summary>Random command lines: known options with values, plus one random mistake (a misspelt or unknown option,
    /// a repeated one, a missing value, a non-finite, negative or locale-formatted number): the mistake is named.</summary>
    [Property]
    public Property Report_options_name_every_mistake(int which, int pick, NonNegativeInt seed)
    {
        string[] reals = ["Infinity", "-Infinity", "NaN", "∞", "1e400", "-0.5", "0", "0,01", "1,5e-2", "", "abc"];
        string[] counts = ["-1", "0", "2.5", "1e3", "99999999999", "1,000", "+5", "x"];
        string[] misspelt = ["--lamda", "--rates", "--user", "--rank=8", "-rate", "--Recommender", "--epoch", "--outdir"];
        var args = new List<string> { "--recommender", "--users", "1000", "--rate", "0.01" };
        string expected;
        switch (Math.Abs(which % 4))
        {
            case 0:
                var bad = reals[Math.Abs(pick % reals.Length)];
                var name = Math.Abs(pick) % 2 == 0 ? "--lambda" : "--rate";
                args.RemoveAll(a => a is "--rate" or "0.01");
                args.AddRange([name, bad]);
                expected = bad == "" ? $"{name} :" : bad == "0" && name == "--lambda" ? "--lambda 0: ALS needs a positive λ" : $"{name} {bad}: a finite";
                break;
            case 1:
                var count = counts[Math.Abs(pick % counts.Length)];
                args.AddRange(["--rank", count]);
                expected = $"--rank {count}: a positive whole number is needed";
                break;
            case 2:
                var wrong = misspelt[Math.Abs(pick % misspelt.Length)];
                int[] between = [0, 1, 3, 5];   // not between an option and its value
                int place = between[seed.Get % between.Length];
                args.Insert(place, wrong);
                expected = wrong.StartsWith("--", StringComparison.Ordinal) ? $"unknown option '{wrong}'" : $"'{wrong}' (argument {place + 1}) is not an option";
                break;
            default:
                args.AddRange(["--users", "5"]);
                expected = "--users is given twice";
                break;
        }
        var e = Record.Exception(() => RecommenderSection.Command(Options.Parse([.. args])));
        if (expected == "") return (e is null).Label($"{string.Join(" ", args)}: {e?.Message}");
        return (e is ArgumentException && e.Message.StartsWith(expected, StringComparison.Ordinal)).Label($"{string.Join(" ", args)}: '{e?.Message}', expected '{expected}…'");
    }

    [Fact]
    public void The_training_method_is_als_adam_or_bpmf_and_ALS_needs_a_positive_lambda()
    {
        string[] size = ["--recommender", "--users", "10", "--items", "10", "--ratings", "100", "--rank", "2"];
        Assert.Contains("ALS", RecommenderSection.Command(Options.Parse(size)).Title);
        Assert.Contains("minibatch Adam", RecommenderSection.Command(Options.Parse([.. size, "--method", "adam"])).Title);
        Assert.Contains("Bayesian PMF", RecommenderSection.Command(Options.Parse([.. size, "--method", "bpmf"])).Title);
        Assert.Equal("--method sgd: one of als, adam, bpmf is needed",
            Assert.Throws<ArgumentException>(() => RecommenderSection.Command(Options.Parse([.. size, "--method", "sgd"]))).Message);
        Assert.StartsWith("--lambda 0: ALS needs a positive λ",
            Assert.Throws<ArgumentException>(() => RecommenderSection.Command(Options.Parse([.. size, "--lambda", "0"]))).Message);
        Assert.StartsWith("--lambda 0: Bayesian PMF's ALS start needs a positive λ",
            Assert.Throws<ArgumentException>(() => RecommenderSection.Command(Options.Parse([.. size, "--lambda", "0", "--method", "bpmf"]))).Message);
        Assert.NotNull(RecommenderSection.Command(Options.Parse([.. size, "--lambda", "0", "--method", "adam"])));
    }

    [Fact]
    public void A_misspelt_option_is_named_with_the_nearest()
    {
        var e = Assert.Throws<ArgumentException>(() => Options.Parse(["--recommender", "--lamda", "3"]));
        Assert.StartsWith("unknown option '--lamda' (did you mean --lambda?); the options are --full", e.Message);
    }

    /// <summary>A reader that yields a prefix, then one line of <c>length</c> digits and commas, generated as read.</summary>
    sealed class EndlessLine(string prefix, long length) : TextReader
    {
        long given = -prefix.Length;

        public override int Read(char[] buffer, int index, int count)
        {
            int n = 0;
            for (; n < count && given < length; n++, given++)
                buffer[index + n] = given < 0 ? prefix[(int)(given + prefix.Length)] : given % 2 == 1 ? ',' : (char)('0' + (given / 2 + 1) % 10);
            return n;
        }

        public override int Read() => throw new NotSupportedException("read in blocks");
    }
}
