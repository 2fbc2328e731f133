namespace Media.Hosting.Models;

/// <summary>
/// A model a service family can serve, and where its checkpoint lives under the models folder.
/// Services register their slots; the catalog reports each one's real state.
/// </summary>
/// <param name="Id">Stable model id clients pass in requests (for example <c>token-shuffle</c>).</param>
/// <param name="Family">Service family that runs it: image, audio or song.</param>
/// <param name="Kinds">Job kinds it serves (image, speech, audio-encode, ...).</param>
/// <param name="Description">One line for people.</param>
/// <param name="CheckpointFolder">Folder name under the models directory.</param>
public sealed record ModelSlot(string Id, string Family, IReadOnlyList<string> Kinds, string Description, string CheckpointFolder);
