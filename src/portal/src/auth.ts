// Who is using the portal: a local development identity (visible banner) or an Entra ID account via MSAL.
import { PublicClientApplication, InteractionRequiredAuthError, type AccountInfo } from "@azure/msal-browser";

export interface PortalConfig {
  devMode: boolean;
  entra: { clientId: string; authority: string; scope: string } | null;
}

export interface Session {
  readonly label: string;
  readonly development: boolean;
  token(): Promise<string>;
  signOut(): void;
}

export interface DevPerson {
  id: string;
  displayName?: string;
  email?: string;
  groups: string[];
}

const devKey = "approvals.dev-session";

interface DevSession {
  id: string;
  name: string;
  token: string;
  expiresAt: number;
}

/** The current development session, if one was chosen in this tab and is still valid. */
export function resumeDevSession(): Session | null {
  const stored = sessionStorage.getItem(devKey);
  if (!stored) {
    return null;
  }
  const session = JSON.parse(stored) as DevSession;
  if (session.expiresAt <= Date.now() + 60_000) {
    sessionStorage.removeItem(devKey);
    return null;
  }
  return devSession(session);
}

export async function devPeople(): Promise<DevPerson[]> {
  const response = await fetch("/dev/identities", { cache: "no-store" });
  if (!response.ok) {
    throw new Error("The gateway did not list its development identities.");
  }
  return ((await response.json()) as { people: DevPerson[] }).people;
}

/** Signs in as a local identity: the gateway issues a dev token, which its API validates like any issuer's. */
export async function signInAsDev(person: DevPerson): Promise<Session> {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id: person.id }),
  });
  if (!response.ok) {
    throw new Error("The gateway refused to issue a development token.");
  }
  const body = (await response.json()) as { access_token: string; expires_in: number };
  const session: DevSession = { id: person.id, name: person.displayName ?? person.id, token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
  sessionStorage.setItem(devKey, JSON.stringify(session));
  return devSession(session);
}

function devSession(session: DevSession): Session {
  return {
    label: session.name,
    development: true,
    token: async () => session.token,
    signOut: () => {
      sessionStorage.removeItem(devKey);
      location.assign("/portal/");
    },
  };
}

/** Entra ID with MSAL (redirect flow): returns a session when an account is signed in, else null. */
export async function entraSession(config: NonNullable<PortalConfig["entra"]>): Promise<{ session: Session | null; signIn: () => Promise<void> }> {
  const msal = new PublicClientApplication({
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: `${location.origin}/portal/` },
    cache: { cacheLocation: "sessionStorage" },
  });
  await msal.initialize();
  const redirect = await msal.handleRedirectPromise();
  const account: AccountInfo | null = redirect?.account ?? msal.getAllAccounts()[0] ?? null;
  const scopes = [config.scope];
  const signIn = () => msal.loginRedirect({ scopes, redirectStartPage: location.href });
  if (!account) {
    return { session: null, signIn };
  }
  msal.setActiveAccount(account);
  return {
    signIn,
    session: {
      label: account.name ?? account.username,
      development: false,
      token: async () => {
        try {
          return (await msal.acquireTokenSilent({ scopes, account })).accessToken;
        } catch (error) {
          if (error instanceof InteractionRequiredAuthError) {
            await msal.acquireTokenRedirect({ scopes, account });
          }
          throw error;
        }
      },
      signOut: () => void msal.logoutRedirect({ account, postLogoutRedirectUri: `${location.origin}/portal/` }),
    },
  };
}
