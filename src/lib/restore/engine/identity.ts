// Who asks for a restore and who decides it, as verified identities. In Azure, App Service
// authentication (Easy Auth, Entra ID) sits in front of the app and injects `x-ms-client-principal`
// (base64 JSON of the token's claims); external requests cannot set that header, but only when the
// platform's authentication is on, which App Service tells the app through the read-only
// WEBSITE_AUTH_ENABLED setting (learn.microsoft.com/azure/app-service/reference-app-settings,
// "Authentication & authorization"; learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
// Without it, a principal header is just text a caller wrote, and is never trusted.

/** App roles (the app registration's appRoles) that decide what a caller may do. */
export const RESTORE_ROLES = {
  /** May plan and request restores. */
  operator: "DR.Operator",
  /** May approve or reject a restore waiting at its gate. */
  approver: "DR.Approver",
} as const;

export type IdentitySource = "easy-auth" | "azure-login" | "os-user" | "function-key" | "system";

export interface Principal {
  /** Stable id: the Entra object id (oid), or a name-derived id where there is none. */
  id: string;
  /** What people read: UPN, e-mail or display name. */
  name: string;
  roles: string[];
  /** How the identity was established: only easy-auth and azure-login are verified. */
  source: IdentitySource;
}

/** The platform says App Service authentication is on (a read-only setting App Service injects). */
export function platformAuthEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return (env["WEBSITE_AUTH_ENABLED"] ?? "").trim().toLowerCase() === "true";
}

export const CLIENT_PRINCIPAL_HEADER = "x-ms-client-principal";

const OID_CLAIMS = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
const NAME_CLAIMS = [
  "preferred_username",
  "upn",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
  "unique_name",
  "email",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  "name",
];

/** Claims a principal from a list of {typ, val} (Easy Auth) or a JWT payload object. */
function principalFromClaims(
  claims: { typ: string; val: string }[],
  roleType: string,
  nameType: string | undefined,
  source: IdentitySource,
): Principal | undefined {
  const first = (types: string[]) => types.map((t) => claims.find((c) => c.typ === t)?.val).find(Boolean);
  const name = first(nameType ? [nameType, ...NAME_CLAIMS] : NAME_CLAIMS);
  const oid = first(OID_CLAIMS);
  if (!name && !oid) return undefined;
  const roles = claims.filter((c) => c.typ === roleType || c.typ === "roles").map((c) => c.val);
  return { id: (oid ?? name)!.toLowerCase(), name: name ?? oid!, roles: [...new Set(roles)], source };
}

/**
 * Decodes App Service's `x-ms-client-principal` header: base64 of
 * {auth_typ, claims: [{typ, val}], name_typ, role_typ}. Undefined when absent or malformed.
 */
export function parseClientPrincipal(header: string | null | undefined): Principal | undefined {
  if (!header) return undefined;
  try {
    const json = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as {
      claims?: { typ?: unknown; val?: unknown }[];
      name_typ?: unknown;
      role_typ?: unknown;
    };
    const claims = (json.claims ?? [])
      .filter((c) => typeof c.typ === "string" && typeof c.val === "string")
      .map((c) => ({ typ: c.typ as string, val: c.val as string }));
    return principalFromClaims(
      claims,
      typeof json.role_typ === "string" ? json.role_typ : "roles",
      typeof json.name_typ === "string" ? json.name_typ : undefined,
      "easy-auth",
    );
  } catch {
    return undefined;
  }
}

/** Encodes a principal as App Service would inject it (the local host's Easy Auth stand-in, tests). */
export function encodeClientPrincipal(principal: { id: string; name: string; roles: string[] }): string {
  const claims = [
    { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: principal.id },
    { typ: "preferred_username", val: principal.name },
    ...principal.roles.map((r) => ({ typ: "roles", val: r })),
  ];
  return Buffer.from(
    JSON.stringify({ auth_typ: "aad", claims, name_typ: "preferred_username", role_typ: "roles" }),
  ).toString("base64");
}

/** The identity in an Entra access token (the CLI's signed-in Azure login). Undefined if unreadable. */
export function principalFromAccessToken(token: string): Principal | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const list = Object.entries(claims).flatMap(([typ, val]) =>
      Array.isArray(val)
        ? val.filter((v): v is string => typeof v === "string").map((v) => ({ typ, val: v }))
        : typeof val === "string"
          ? [{ typ, val }]
          : [],
    );
    return principalFromClaims(list, "roles", undefined, "azure-login");
  } catch {
    return undefined;
  }
}

/** Whether two identities are the same person (same object id, or the same name). */
export function samePerson(a: Pick<Principal, "id" | "name">, b: Pick<Principal, "id" | "name">): boolean {
  return a.id.toLowerCase() === b.id.toLowerCase() || a.name.toLowerCase() === b.name.toLowerCase();
}

/** "alice@contoso.com (Entra ID via App Service authentication)" — for reports and messages. */
export function describePrincipal(principal: Pick<Principal, "name" | "source">): string {
  const how: Record<IdentitySource, string> = {
    "easy-auth": "Entra ID via App Service authentication",
    "azure-login": "signed-in Azure identity",
    "os-user": "OS user, NOT verified",
    "function-key": "function key holder, NOT verified",
    system: "azdr",
  };
  return `${principal.name} (${how[principal.source]})`;
}
