namespace Perps.Api.Validation;

public interface IRequestValidator<in T>
{
    void Validate(T request, ValidationErrors errors);
}
