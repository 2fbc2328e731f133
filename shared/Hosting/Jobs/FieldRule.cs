namespace Media.Hosting.Jobs;

/// <summary>The JSON type a parameter must have.</summary>
public enum FieldType
{
    /// <summary>A string; Min/Max bound its length in characters.</summary>
    Text,
    /// <summary>A whole number within Min..Max (and a multiple of MultipleOf when set).</summary>
    WholeNumber,
    /// <summary>A finite number within Min..Max (above Min, not at it, when ExclusiveMin is set).</summary>
    Number,
    /// <summary>A base64 string; Max bounds the decoded bytes.</summary>
    Base64,
    /// <summary>A non-empty array of at most MaxRows equally long non-empty arrays (at most MaxColumns each) of whole numbers within Min..Max.</summary>
    WholeNumberMatrix,
    /// <summary>One of the strings in Choices.</summary>
    Choice,
    /// <summary>A JSON object whose members follow Fields (unknown members refused, required ones checked).</summary>
    Group,
}

/// <summary>
/// One parameter of a job kind and the values it accepts. <paramref name="With"/> names a field it is only valid together
/// with; <paramref name="Without"/> maps each field it cannot be given with to what both of them set (for the error message).
/// <paramref name="MaxRows"/> and <paramref name="MaxColumns"/> bound a <see cref="FieldType.WholeNumberMatrix"/> (0: no bound);
/// <paramref name="Fields"/> are the members of a <see cref="FieldType.Group"/>. <paramref name="TextCheck"/> checks a
/// <see cref="FieldType.Text"/> value's content once its length is right (the service's own rules, e.g. known lyric tags):
/// null when it is fine, else what is wrong, reported against the field.
/// </summary>
public sealed record FieldRule(string Name, FieldType Type, bool Required, double Min, double Max, string Description, int MultipleOf = 0, string? With = null,
    IReadOnlyList<string>? Choices = null, IReadOnlyDictionary<string, string>? Without = null, bool ExclusiveMin = false,
    int MaxRows = 0, int MaxColumns = 0, IReadOnlyList<FieldRule>? Fields = null, Func<string, string?>? TextCheck = null);
