using Media.Hosting.Jobs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Media.Gateway.Extensions;

/// <summary>
/// Puts every registered job kind's parameter schema (its JSON Schema, <see cref="JobKind.ToJsonSchema"/>) into the OpenAPI
/// document as a component <c>{kind}Parameters</c>, and makes the <c>parameters</c> of a job request one of them, so the
/// document shows every field each kind takes with its range, whichever services this gateway hosts.
/// </summary>
internal sealed class JobKindSchemaTransformer(JobKindRegistry kinds) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var references = new List<IOpenApiSchema>();
        foreach (var kind in kinds.All)
        {
            string id = ComponentId(kind.Name);
            var schema = OpenApiModelFactory.Parse<OpenApiSchema>(kind.ToJsonSchema().ToJsonString(), OpenApiSpecVersion.OpenApi3_1, document, out var diagnostic, "json")
                ?? throw new InvalidOperationException($"The schema of job kind '{kind.Name}' is not valid JSON Schema: {string.Join("; ", diagnostic.Errors.Select(e => e.Message))}");
            document.Components.Schemas[id] = schema;
            references.Add(new OpenApiSchemaReference(id, document));
        }
        if (document.Components.Schemas.TryGetValue("JobRequestBody", out var body) && body is OpenApiSchema request && request.Properties is { } properties)
            properties["parameters"] = new OpenApiSchema
            {
                Description = "the parameters of the kind named in 'kind': " + string.Join(", ", kinds.Names.Select(n => $"{n} ({ComponentId(n)})")),
                OneOf = references,
            };
        return Task.CompletedTask;
    }

    /// <summary>speech -> SpeechParameters, audio-decode -> AudioDecodeParameters.</summary>
    public static string ComponentId(string kind) =>
        string.Concat(kind.Split('-', '_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..])) + "Parameters";
}
