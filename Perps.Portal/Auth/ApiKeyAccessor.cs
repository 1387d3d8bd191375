using Microsoft.AspNetCore.Components.Authorization;

namespace Perps.Portal.Auth;

/// <summary>The signed-in user's API key, in a circuit or a request: from the authentication state (the cookie).</summary>
public sealed class ApiKeyAccessor(AuthenticationStateProvider authentication)
{
    public async Task<string?> GetApiKeyAsync() => ApiKeyClaims.ApiKeyOf((await authentication.GetAuthenticationStateAsync()).User);
}
