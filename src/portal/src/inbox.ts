// The inbox: what the signed-in approver may decide now, soonest deadline first, with the cues that matter; and the
// history of what they decided.
import { Api, type DecidedItem, type PendingItem, type ReviewView } from "./api";
import { h, replace, type Child } from "./dom";
import { relative, timeElement } from "./time";

interface Filters {
  text: string;
  environment: string;
  classification: string;
}

export async function showInbox(api: Api, main: HTMLElement): Promise<() => void> {
  replace(main, h("h1", {}, "Waiting for your decision"), h("p", { class: "muted" }, "Loading…"));
  const { items } = await api.get<{ items: PendingItem[] }>("/api/approvals?status=pending");
  const filters: Filters = { text: "", environment: "", classification: "" };
  const list = h("ul", { class: "inbox", "aria-label": "Pending approvals" });
  const count = h("p", { class: "muted", "aria-live": "polite" });

  const draw = () => {
    const shown = items.filter((item) => matches(item.review, filters));
    count.textContent = items.length === 0
      ? "Nothing is waiting for you."
      : `${shown.length} of ${items.length} request${items.length === 1 ? "" : "s"}`;
    replace(list, shown.map(pendingRow));
  };

  const environments = unique(items.map((i) => i.review.action.target?.environment));
  const classifications = unique(items.flatMap((i) => i.review.action.data?.classification ?? []));
  const search = h("input", { type: "search", id: "filter-text", placeholder: "Summary, action, agent…", autocomplete: "off" });
  search.addEventListener("input", () => {
    filters.text = search.value.trim().toLowerCase();
    draw();
  });

  replace(
    main,
    h("h1", {}, "Waiting for your decision"),
    h("form", { class: "filters", role: "search", onsubmit: (e: Event) => e.preventDefault() },
      h("label", { for: "filter-text" }, "Search"), search,
      select("filter-environment", "Environment", environments, (value) => { filters.environment = value; draw(); }),
      select("filter-classification", "Data", classifications, (value) => { filters.classification = value; draw(); })),
    count,
    list,
  );
  draw();

  // Deadlines count down while the page is open.
  const timer = window.setInterval(() => {
    for (const element of list.querySelectorAll<HTMLElement>("[data-deadline]")) {
      element.textContent = "due " + relative(element.dataset.deadline!);
    }
  }, 30_000);
  return () => window.clearInterval(timer);
}

export async function showHistory(api: Api, main: HTMLElement): Promise<() => void> {
  replace(main, h("h1", {}, "Your decisions"), h("p", { class: "muted" }, "Loading…"));
  const { items } = await api.get<{ items: DecidedItem[] }>("/api/approvals?status=decided");
  replace(
    main,
    h("h1", {}, "Your decisions"),
    items.length === 0
      ? h("p", { class: "muted" }, "You have not decided anything yet.")
      : h("ul", { class: "inbox", "aria-label": "Decided approvals" }, items.map((item) => h("li", {},
          h("article", { class: "item" },
            h("h2", {}, h("a", { href: `/portal/review/${encodeURIComponent(item.id)}`, "data-link": true }, summary(item.review))),
            h("p", { class: "meta" },
              h("span", { class: `choice ${item.choice}` }, item.choice === "approve" ? "You approved" : "You rejected"), " ",
              timeElement(item.decidedAt), " · ",
              h("span", { class: "status" }, item.outcome ?? item.actionStatus))))) ),
  );
  return () => {};
}

function pendingRow(item: PendingItem): HTMLLIElement {
  const view = item.review;
  const action = view.action;
  const source = action.data?.sourceRegion;
  const destination = action.data?.destinationRegion;
  const crossRegion = source && destination && source.toLowerCase() !== destination.toLowerCase();
  const cues: Child[] = [
    action.target?.environment ? h("span", { class: `badge env ${action.target.environment.toLowerCase().startsWith("prod") ? "prod" : ""}` }, action.target.environment) : null,
    ...(action.data?.classification ?? []).map((label) => h("span", { class: "badge data" }, label)),
    source ? h("span", { class: `badge region ${crossRegion ? "cross" : ""}`, title: crossRegion ? "Data leaves its region" : "Data stays in its region" },
      crossRegion ? `${source} → ${destination}` : source) : null,
  ];
  return h("li", {},
    h("article", { class: "item" },
      h("h2", {}, h("a", { href: `/portal/review/${encodeURIComponent(item.id)}`, "data-link": true }, summary(view))),
      h("p", { class: "meta" },
        h("code", {}, action.type ?? ""), " · agent ", view.agent?.id ?? "unknown",
        action.requester?.displayName || action.requester?.id ? [" · for ", action.requester.displayName ?? action.requester.id ?? ""] : null),
      h("p", { class: "cues" }, cues),
      view.decision?.reasons?.length ? h("p", { class: "reason" }, view.decision.reasons[0]) : null,
      h("p", { class: "due" },
        item.deadline ? [timeElement(item.deadline, "due " + relative(item.deadline))] : null,
        item.deadline ? " · " : null,
        `${item.stillNeeded} more approval${item.stillNeeded === 1 ? "" : "s"} needed`)));
}

function summary(view: ReviewView | null | undefined): string {
  return view?.action.summary ?? "(no summary)";
}

function matches(view: ReviewView, filters: Filters): boolean {
  const action = view.action;
  if (filters.environment && action.target?.environment !== filters.environment) {
    return false;
  }
  if (filters.classification && !(action.data?.classification ?? []).includes(filters.classification)) {
    return false;
  }
  if (!filters.text) {
    return true;
  }
  return [action.summary, action.type, view.agent?.id, action.requester?.displayName].some((v) => (v ?? "").toLowerCase().includes(filters.text));
}

function select(id: string, label: string, values: string[], changed: (value: string) => void): Child[] {
  const element = h("select", { id }, h("option", { value: "" }, "All"), values.map((v) => h("option", { value: v }, v)));
  element.addEventListener("change", () => changed(element.value));
  return [h("label", { for: id }, label), element];
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}
