using Media.Audio.Text;

namespace Media.Audio.Tests.Text;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("Dr. Smith paid $3.50 on the 2nd", "Doctor Smith paid three dollars and fifty cents on the second")]
    [InlineData("It's 25% off at 7:05 pm!", "It's twenty-five percent off at seven oh five p m!")]
    [InlineData("The meeting is on March 3, 2021.", "The meeting is on March third, twenty twenty-one.")]
    [InlineData("She lives at 12 Main St. near St. Paul's.", "She lives at twelve Main Street near Saint Paul's.")]
    [InlineData("In 1990 there were 1,234 people.", "In nineteen ninety there were one thousand two hundred thirty-four people.")]
    [InlineData("Pi is about 3.14159.", "Pi is about three point one four one five nine.")]
    [InlineData("They raised $1.5 million.", "They raised one point five million dollars.")]
    [InlineData("It cost $1, then $0.99.", "It cost one dollar, then ninety-nine cents.")]
    [InlineData("Mr. Lee ran 5 km at 10:00.", "Mister Lee ran five kilometers at ten o'clock.")]
    [InlineData("Is room No. 7 free?", "Is room number seven free?")]
    [InlineData("Only 3/4 came (the rest stayed home).", "Only three quarters came, the rest stayed home.")]
    [InlineData("Q&A starts at 9:30 am; bring snacks, drinks, etc.", "Q and A starts at nine thirty a m; bring snacks, drinks, et cetera.")]
    [InlineData("The 1990s were \"fun\" \u2014 mostly.", "The nineteen nineties were fun, mostly.")]
    [InlineData("Due 2024-03-15, not later.", "Due March fifteenth, twenty twenty-four, not later.")]
    [InlineData("It was -5 degrees.", "It was minus five degrees.")]
    [InlineData("She finished 21st of 300.", "She finished twenty-first of three hundred.")]
    public void Written_text_becomes_spoken_words(string written, string spoken) =>
        Assert.Equal(spoken, TextNormalizer.Normalize(written));

    [Fact]
    public void Output_holds_only_letters_spaces_and_prosody_marks()
    {
        for (int i = 0; i < 300; i++)
        {
            string text = Media.Audio.Corpora.SentenceGenerator.Sentence(5, i);
            string spoken = TextNormalizer.Normalize(text);
            Assert.Matches(@"^[\p{L}' ,.?!;:-]+$", spoken);
            Assert.DoesNotContain("  ", spoken, StringComparison.Ordinal);
        }
    }
}
