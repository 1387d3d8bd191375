namespace Perps.Api.Validation;

/// <summary>Validates the request record of type <typeparamref name="T"/> before the handler runs; a failure is a 400 validation problem.</summary>
internal sealed class ValidationFilter<T>(IRequestValidator<T> validator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<T>().FirstOrDefault() is { } request)
        {
            var errors = new ValidationErrors();
            validator.Validate(request, errors);
            if (!errors.IsEmpty)
            {
                return TypedResults.ValidationProblem(errors.ToDictionary(), detail: errors.Summary());
            }
        }
        return await next(context);
    }
}

internal static class ValidationFilterExtensions
{
    /// <summary>
    /// Validates the route's <typeparamref name="T"/> body, and says so in the route's metadata (the OpenAPI
    /// document's 400 validation problem), so the filter and its documented answer cannot part.
    /// </summary>
    public static RouteHandlerBuilder Validates<T>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();
}
