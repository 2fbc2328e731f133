using Media.Hosting;
using Media.Hosting.Artifacts;
using Media.Hosting.Files;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// <c>/v1/files</c>: OpenAI's Files API for batches. Uploads (purpose <c>batch</c>) are the input files of
/// <c>/v1/batches</c>; a batch's output and error files appear here with purpose <c>batch_output</c>.
/// The bytes are artifacts; deleting a file removes its record.
/// </summary>
internal static class FilesApi
{
    public const int MaxListLimit = 10_000;

    public static RouteGroupBuilder MapFilesApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/files", Upload).WithName("OpenAiUploadFile")
            .WithSummary("Upload a JSONL file of batch requests (multipart: file, purpose=batch)")
            .Produces<OpenAiFile>(); // no Accepts(): its content-type match would send other bodies to the catch-all 404 instead of our 415
        v1.MapGet("/files", List).WithName("OpenAiListFiles").Produces<FileList>();
        v1.MapGet("/files/{id}", Get).WithName("OpenAiGetFile").Produces<OpenAiFile>();
        v1.MapGet("/files/{id}/content", Content).WithName("OpenAiFileContent")
            .WithSummary("The file's bytes").Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");
        v1.MapDelete("/files/{id}", Delete).WithName("OpenAiDeleteFile").Produces<DeletedFile>();
        return v1;
    }

    static async Task<IResult> Upload(HttpContext context, IFileStore files, IArtifactStore artifacts, IArtifactReferences references, IOptions<JobsOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        int maxBytes = options.Value.MaxBatchBytes;
        if (!context.Request.HasFormContentType)
            return new OpenAiError("Send the file as multipart/form-data with the fields 'file' and 'purpose'.", OpenAiError.InvalidRequest, null, "unsupported_media_type")
                .ToResult(StatusCodes.Status415UnsupportedMediaType, context);
        // The form around the file adds a little: refuse only bodies that cannot hold a file of the allowed size.
        if (context.Request.ContentLength > maxBytes + 64 * 1024) return TooLarge(context, maxBytes);
        IFormCollection form;
        try { form = await context.Request.ReadFormAsync(cancellationToken); }
        // A body cut before its closing boundary ends in IOException, not InvalidDataException (fuzz finding 2, docs/SECURITY.md).
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return OpenAiError.Invalid(context, null, $"The request body is not a valid form: {ex.Message}");
        }

        if (form.Keys.FirstOrDefault(k => k != "purpose") is { } unknown)
            return OpenAiError.Invalid(context, unknown, $"Unrecognized request argument supplied: {unknown}");
        string? purpose = form["purpose"].FirstOrDefault();
        if (string.IsNullOrEmpty(purpose)) return OpenAiError.Invalid(context, "purpose", "Missing required parameter: 'purpose'");
        if (purpose != FilePurposes.Batch)
            return OpenAiError.Invalid(context, "purpose", $"purpose '{purpose}' is not available: this service takes files for batches only ('batch')");
        if (form.Files.FirstOrDefault(f => f.Name != "file") is { } other)
            return OpenAiError.Invalid(context, other.Name, $"Unrecognized request argument supplied: {other.Name}");
        if (form.Files.GetFile("file") is not { } file) return OpenAiError.Invalid(context, "file", "Missing required parameter: 'file'");
        if (file.Length > maxBytes) return TooLarge(context, maxBytes);
        if (file.Length == 0) return OpenAiError.Invalid(context, "file", "The file is empty");

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        string name = Path.GetFileName(file.FileName);
        var artifact = await artifacts.SaveAsync(buffer.ToArray(), new ArtifactInfo("application/jsonl", Name: name), cancellationToken);
        var stored = new StoredFile
        {
            Id = StoredFile.NewId(), Owner = Caller.Owner(context), Purpose = purpose, Filename = name.Length > 0 ? name : "upload.jsonl",
            ArtifactId = artifact.Id, Bytes = artifact.Length, CreatedAt = time.GetUtcNow(),
        };
        await files.SaveAsync(stored, cancellationToken);
        // The upload holds its content for its owner: readable by them, kept by retention while the file exists.
        await references.AddAsync(artifact.Id, stored.Id, stored.Owner, cancellationToken);
        return TypedResults.Ok(OpenAiFile.Of(stored));
    }

    static async Task<IResult> List(HttpContext context, IFileStore files, string? purpose, int? limit, string? after, string? order, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxListLimit) return OpenAiError.Invalid(context, "limit", $"'limit' must be within 1..{MaxListLimit}; got {limit}");
        if (order is not (null or "asc" or "desc")) return OpenAiError.Invalid(context, "order", $"'order' must be one of 'asc', 'desc'; got '{order}'");
        var (page, more) = await files.ListAsync(new FileQuery(purpose, limit ?? MaxListLimit, after, order == "asc", Caller.IsAdmin(context.User) ? null : Caller.Owner(context)), cancellationToken);
        var data = page.Select(OpenAiFile.Of).ToList();
        return TypedResults.Ok(new FileList(data, data.Count > 0 ? data[0].Id : null, data.Count > 0 ? data[^1].Id : null, more));
    }

    /// <summary>The file when the caller may see it (its owner, or an admin); another owner's file is not found.</summary>
    internal static async Task<StoredFile?> FindAsync(HttpContext context, IFileStore files, string id, CancellationToken cancellationToken) =>
        await files.GetAsync(id, cancellationToken) is { } file && await Caller.MaySeeAsync(context, file.Owner) ? file : null;

    static async Task<IResult> Get(string id, HttpContext context, IFileStore files, CancellationToken cancellationToken) =>
        await FindAsync(context, files, id, cancellationToken) is { } file ? TypedResults.Ok(OpenAiFile.Of(file)) : OpenAiError.NotFound(context, "File", id);

    static async Task<IResult> Content(string id, HttpContext context, IFileStore files, IArtifactStore artifacts, CancellationToken cancellationToken)
    {
        if (await FindAsync(context, files, id, cancellationToken) is not { } file) return OpenAiError.NotFound(context, "File", id);
        var artifact = await artifacts.GetAsync(file.ArtifactId, cancellationToken);
        var stream = artifact is null ? null : await artifacts.OpenReadAsync(file.ArtifactId, cancellationToken);
        if (stream is null)
            return new OpenAiError($"The content of file {id} is missing from the store.", OpenAiError.ServerError, null, "file_content_missing")
                .ToResult(StatusCodes.Status500InternalServerError, context);
        return TypedResults.Stream(stream, artifact!.ContentType, file.Filename);
    }

    static async Task<IResult> Delete(string id, HttpContext context, IFileStore files, IArtifactReferences references, CancellationToken cancellationToken)
    {
        if (await FindAsync(context, files, id, cancellationToken) is null || !await files.DeleteAsync(id, cancellationToken)) return OpenAiError.NotFound(context, "File", id);
        await references.RemoveHolderAsync(id, cancellationToken);
        return TypedResults.Ok(new DeletedFile(id));
    }

    static IResult TooLarge(HttpContext context, int maxBytes) =>
        new OpenAiError($"The file may be at most {maxBytes} bytes.", OpenAiError.InvalidRequest, "file", "file_too_large").ToResult(StatusCodes.Status413PayloadTooLarge, context);

    /// <summary>OpenAI's file object (always processed: the content is checked when a batch reads it).</summary>
    internal sealed record OpenAiFile(string Id, long Bytes, long CreatedAt, string Filename, string Purpose)
    {
        public string Object { get; init; } = "file";
        public string Status { get; init; } = "processed";
        public long? ExpiresAt { get; init; }

        public static OpenAiFile Of(StoredFile file) => new(file.Id, file.Bytes, file.CreatedAt.ToUnixTimeSeconds(), file.Filename, file.Purpose);
    }

    internal sealed record FileList(IReadOnlyList<OpenAiFile> Data, string? FirstId, string? LastId, bool HasMore)
    {
        public string Object { get; init; } = "list";
    }

    internal sealed record DeletedFile(string Id)
    {
        public string Object { get; init; } = "file";
        public bool Deleted { get; init; } = true;
    }
}
