// The signed-in Azure identity (az login, environment, managed identity…) through @azure/identity:
// who runs the CLI, read from the claims of an access token, and tokens for the deployed app.
import { DefaultAzureCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { principalFromAccessToken, type Principal } from "../restore/engine/identity.js";

const ARM_SCOPE = "https://management.azure.com/.default";

let shared: TokenCredential | undefined;
const credentialOf = (credential?: TokenCredential) =>
  credential ?? (shared ??= new DefaultAzureCredential());

/** The signed-in identity, or undefined when nobody is signed in (no credential available). */
export async function signedInIdentity(credential?: TokenCredential): Promise<Principal | undefined> {
  try {
    const token = await credentialOf(credential).getToken(ARM_SCOPE);
    return token ? principalFromAccessToken(token.token) : undefined;
  } catch {
    return undefined;
  }
}

/** An Entra access token for the deployed app's registration (App Service authentication). */
export async function appAccessToken(scope: string, credential?: TokenCredential): Promise<string> {
  const token = await credentialOf(credential).getToken(scope);
  if (!token) throw new Error(`no Azure credential could get a token for ${scope}: sign in with az login`);
  return token.token;
}
