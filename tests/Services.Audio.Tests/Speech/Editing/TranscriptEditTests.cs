using Media.Services.Audio.Speech.Editing;

namespace Media.Services.Audio.Tests.Speech.Editing;

public sealed class TranscriptEditTests
{
    [Theory]
    [InlineData("the cat sat on the mat", "the dog sat on the mat", "cat ", "dog ")]          // a word replaced
    [InlineData("the cat sat on the mat", "the big black cat sat on the mat", "", "big black ")] // words inserted
    [InlineData("the cat sat on the mat", "the cat on the mat", "sat ", "")]                  // a word deleted
    [InlineData("the cat sat on the mat", "the cat sat on the rug", " mat", " rug")]          // the last word: the span takes the space before it
    [InlineData("the cat sat on the mat", "the cat sat on the", " mat", "")]                  // the last word deleted: no trailing space left
    [InlineData("the cat sat on the mat", "a cat sat on the mat", "the ", "a ")]               // the first word
    [InlineData("the cat sat", "the cat sat down now", "", " down now")]                      // words appended
    [InlineData("the cat", "a dog", "the cat", "a dog")]                                      // everything
    public void The_span_is_the_words_between_the_shared_start_and_end_and_splices_back_to_the_new_text(string old, string @new, string oldSpan, string newSpan)
    {
        var edit = TranscriptEdit.Between(old, @new);
        Assert.Equal(oldSpan, edit.OldSpan);
        Assert.Equal(newSpan, edit.NewSpan);
        Assert.Equal(edit.OldStart, edit.NewStart);
        Assert.Equal(@new, edit.Old[..edit.OldStart] + edit.NewSpan + edit.Old[edit.OldEnd..]);
        Assert.Equal(old.Length - edit.OldEnd, @new.Length - edit.NewEnd);
    }

    [Fact]
    public void A_repeated_word_keeps_the_longest_shared_start_and_end_without_overlap()
    {
        // "the the" -> "the": the shared start takes one "the", the end cannot take the same word again.
        var edit = TranscriptEdit.Between("go to the the shop", "go to the shop");
        Assert.Equal("go to the shop", edit.Old[..edit.OldStart] + edit.NewSpan + edit.Old[edit.OldEnd..]);
        Assert.Equal(4, edit.OldSpan.Length);   // one "the " removed
    }

    [Fact]
    public void The_same_words_are_nothing_to_edit()
    {
        var error = Assert.Throws<ArgumentException>(() => TranscriptEdit.Between("the cat sat", "the cat sat"));
        Assert.Contains("nothing to edit", error.Message, StringComparison.Ordinal);
    }
}
