// The gateway's HTTP API. The portal never decides anything itself: decisions go to POST /api/actions/{id}/decisions.

export interface Problem {
  type?: string;
  title?: string;
  detail?: string;
  reason?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(public readonly status: number, public readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export type TokenSource = () => Promise<string>;

export class Api {
  constructor(private readonly token: TokenSource, private readonly onUnauthorized: () => void) {}

  get<T>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("POST", path, body);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.token()}`, Accept: "application/json" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["X-Approvals-Channel"] = "portal";
    }
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    if (response.status === 401) {
      this.onUnauthorized();
    }
    if (!response.ok) {
      let problem: Problem = { title: response.statusText };
      try {
        problem = (await response.json()) as Problem;
      } catch {
        // Not a problem document: keep the status text.
      }
      throw new ApiError(response.status, problem);
    }
    return (await response.json()) as T;
  }
}

// The shapes the portal reads.

export interface Me {
  id: string;
  displayName?: string;
  email?: string;
  roles: string[];
}

export interface Requirement {
  approvers: string[];
  minApprovals: number;
  approvedBy: string[];
  stillNeeded: number;
}

export interface Decision {
  effect: string;
  matchedRules: string[];
  reasons: string[];
}

export interface ReviewView {
  actionDigest: string;
  agent?: { id: string; owner?: string };
  action: Record<string, unknown> & {
    type?: string;
    summary?: string;
    requester?: { id?: string; displayName?: string };
    target?: { resource?: string; environment?: string };
    data?: { sourceRegion?: string; destinationRegion?: string; classification?: string[] };
  };
  masked: { path: string; kind: string; source: string }[];
  decision?: Decision | null;
}

export interface ActionStatus {
  id: string;
  status: string;
  outcome?: string | null;
  reason?: string | null;
  finished: boolean;
  actionDigest: string;
  region: string;
  agent: { id: string; owner?: string };
  receivedAt: string;
  decision?: Decision | null;
  approval?: {
    deadline?: string | null;
    complete: boolean;
    escalated: boolean;
    requirements: Requirement[];
    awaiting: { id: string; displayName?: string }[];
  } | null;
  review?: ReviewView;
}

export interface PendingItem {
  id: string;
  deadline?: string | null;
  review: ReviewView;
  stillNeeded: number;
}

export interface DecidedItem {
  id: string;
  choice: string;
  decidedAt: string;
  actionStatus: string;
  outcome?: string | null;
  review?: ReviewView | null;
}

export interface TimelineEntry {
  seq: number;
  type: string;
  time: string;
  status: string;
  summary: string;
}
