// One action: the card the channels get, the masked view, why the policy asks, who approved and who is still needed,
// the timeline, and approve / reject. Once the action is decided (here or elsewhere) the outcome replaces the buttons.
import { Api, ApiError, type ActionStatus, type TimelineEntry } from "./api";
import { renderCard } from "./card";
import { announce, h, replace, type Child } from "./dom";
import { relative, timeElement } from "./time";

export async function showReview(api: Api, main: HTMLElement, id: string): Promise<() => void> {
  replace(main, h("h1", {}, "Review"), h("p", { class: "muted" }, "Loading…"));
  let status: ActionStatus;
  try {
    status = await api.get<ActionStatus>(`/api/actions/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(main,
        h("h1", {}, "Not yours to decide"),
        h("p", {}, "This request does not exist, or you cannot see it: it was not sent to you, or you asked for it yourself (nobody approves their own request)."),
        h("p", {}, h("a", { href: "/portal/", "data-link": true }, "Back to your inbox")));
      return () => {};
    }
    throw error;
  }

  const decisionPanel = h("section", { class: "decide", "aria-labelledby": "decide-title" });
  const progress = h("section", { class: "panel", "aria-labelledby": "needed-title" });
  const timeline = h("section", { class: "panel", "aria-labelledby": "timeline-title" });
  const cardHost = h("div", { class: "card-host" });

  const refresh = async (current: ActionStatus) => {
    status = current;
    drawProgress(progress, status);
    drawDecision(decisionPanel, status, api, async () => refresh(await api.get<ActionStatus>(`/api/actions/${encodeURIComponent(id)}`)));
    void drawTimeline(timeline, api, id);
    try {
      replace(cardHost, renderCard(await api.get<Record<string, unknown>>(`/api/actions/${encodeURIComponent(id)}/card`)));
    } catch {
      replace(cardHost, h("p", { class: "muted" }, "The card could not be shown."));
    }
  };

  const view = status.review;
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "/portal/", "data-link": true }, "← Inbox")),
    h("h1", {}, view?.action.summary ?? status.id),
    h("div", { class: "review" },
      h("div", { class: "main-column" },
        h("section", { class: "panel", "aria-label": "Approval card" }, cardHost),
        h("section", { class: "panel", "aria-labelledby": "why-title" },
          h("h2", { id: "why-title" }, "Why this needs approval"),
          h("ul", {}, (status.decision?.reasons ?? []).map((r) => h("li", {}, r))),
          status.decision?.matchedRules?.length ? h("p", { class: "muted" }, "Matched rules: ", status.decision.matchedRules.flatMap((r, i) => [i ? ", " : "", h("code", {}, r)])) : null),
        maskedView(status),
        timeline),
      h("div", { class: "side-column" }, decisionPanel, progress)),
  );
  await refresh(status);

  // Someone else may decide meanwhile (Outlook, Teams, another tab): keep the page true.
  const poll = window.setInterval(async () => {
    try {
      const latest = await api.get<ActionStatus>(`/api/actions/${encodeURIComponent(id)}`);
      if (latest.status !== status.status || JSON.stringify(latest.approval) !== JSON.stringify(status.approval)) {
        await refresh(latest);
      }
    } catch {
      // Transient: try again at the next tick.
    }
  }, 5_000);
  return () => window.clearInterval(poll);
}

function maskedView(status: ActionStatus): HTMLElement {
  const view = status.review;
  return h("section", { class: "panel", "aria-labelledby": "masked-title" },
    h("h2", { id: "masked-title" }, "The request, as you may see it"),
    view?.masked.length
      ? h("p", { class: "muted" }, `${view.masked.length} value${view.masked.length === 1 ? " is" : "s are"} hidden from reviewers:`)
      : h("p", { class: "muted" }, "Nothing needed hiding."),
    view?.masked.length
      ? h("table", { class: "masked" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Where"), h("th", { scope: "col" }, "What"), h("th", { scope: "col" }, "Why"))),
          h("tbody", {}, view.masked.map((m) => h("tr", {}, h("td", {}, h("code", {}, m.path)), h("td", {}, m.kind), h("td", {}, m.source)))))
      : null,
    h("details", {}, h("summary", {}, "Masked request (JSON)"), h("pre", { class: "json" }, JSON.stringify(view?.action ?? {}, null, 2))));
}

function drawProgress(section: HTMLElement, status: ActionStatus): void {
  const approval = status.approval;
  replace(section,
    h("h2", { id: "needed-title" }, "Who decides"),
    approval?.deadline ? h("p", {}, "Deadline ", timeElement(approval.deadline), " (", relative(approval.deadline), ")") : null,
    approval?.escalated ? h("p", { class: "badge warn" }, "Escalated") : null,
    h("ul", { class: "requirements" }, (approval?.requirements ?? []).map((r) => h("li", {},
      h("strong", {}, `${r.minApprovals} of ${r.approvers.join(", ")}`),
      h("br", {}),
      r.approvedBy.length ? `Approved by ${r.approvedBy.join(", ")}` : "No approvals yet",
      " · ",
      r.stillNeeded === 0 ? "met" : `${r.stillNeeded} more needed`))),
    approval?.awaiting.length
      ? h("p", { class: "muted" }, "Waiting for: ", approval.awaiting.map((p) => p.displayName ?? p.id).join(", "))
      : null,
    h("p", { class: "muted" }, "Agent ", h("code", {}, status.agent.id), status.agent.owner ? ` (owner ${status.agent.owner})` : "", " · region ", status.region));
}

function drawDecision(section: HTMLElement, status: ActionStatus, api: Api, changed: () => Promise<void>): void {
  if (status.status !== "pendingApproval") {
    const outcome = status.outcome ?? status.status;
    replace(section,
      h("h2", { id: "decide-title" }, "Outcome"),
      h("p", { class: `outcome ${outcome}` }, outcomeText(outcome)),
      status.reason ? h("p", {}, status.reason) : null);
    return;
  }

  const comment = h("textarea", { id: "comment", rows: 4, maxlength: 2000, "aria-describedby": "comment-help" });
  const error = h("p", { class: "error", role: "alert" });
  const approve = h("button", { type: "button", class: "approve" }, "✓ Approve");
  const reject = h("button", { type: "button", class: "reject" }, "✕ Reject");
  const decide = async (choice: "approve" | "reject") => {
    error.textContent = "";
    if (choice === "reject" && !comment.value.trim()) {
      error.textContent = "Say why you reject: a comment is required.";
      comment.focus();
      return;
    }
    approve.disabled = reject.disabled = true;
    try {
      await api.post(`/api/actions/${encodeURIComponent(status.id)}/decisions`, {
        decision: choice,
        comment: comment.value.trim() || null,
        actionDigest: status.actionDigest,
      });
      announce(choice === "approve" ? "You approved this request." : "You rejected this request.");
      await changed();
    } catch (failure) {
      error.textContent = failure instanceof ApiError ? failure.message : "The decision could not be sent. Try again.";
      approve.disabled = reject.disabled = false;
    }
  };
  approve.addEventListener("click", () => void decide("approve"));
  reject.addEventListener("click", () => void decide("reject"));
  replace(section,
    h("h2", { id: "decide-title" }, "Your decision"),
    h("label", { for: "comment" }, "Comment"),
    comment,
    h("p", { id: "comment-help", class: "muted" }, "Optional when approving, required when rejecting. Approvers and auditors see it."),
    error,
    h("div", { class: "buttons" }, approve, reject));
}

async function drawTimeline(section: HTMLElement, api: Api, id: string): Promise<void> {
  try {
    const audit = await api.get<{ timeline?: TimelineEntry[]; records?: { seq: number; type: string; time: string; status: string }[] }>(`/api/actions/${encodeURIComponent(id)}/audit`);
    const entries: { type: string; time: string; text: string }[] = audit.timeline
      ? audit.timeline.map((e) => ({ type: e.type, time: e.time, text: e.summary }))
      : (audit.records ?? []).map((r) => ({ type: r.type, time: r.time, text: `${r.type} (${r.status})` }));
    replace(section,
      h("h2", { id: "timeline-title" }, "Timeline"),
      h("ol", { class: "timeline" }, entries.map((e): Child => h("li", { class: e.type }, timeElement(e.time), " ", e.text))));
  } catch {
    replace(section, h("h2", { id: "timeline-title" }, "Timeline"), h("p", { class: "muted" }, "The timeline could not be loaded."));
  }
}

function outcomeText(outcome: string): string {
  switch (outcome) {
    case "released": return "Approved and released to the executor.";
    case "approved": return "Approved; being released.";
    case "rejected": return "Rejected.";
    case "expired": return "Expired: nobody decided before the deadline.";
    case "cancelled": return "Cancelled by the agent.";
    case "denied": return "Denied by policy.";
    case "failed": return "Approved, but the release failed.";
    default: return outcome;
  }
}
