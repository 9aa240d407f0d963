// The approver portal: sign in (development identity or Entra ID), then the inbox, history and review pages.
import { Api, ApiError, type Me } from "./api";
import { devPeople, entraSession, resumeDevSession, signInAsDev, type PortalConfig, type Session } from "./auth";
import { announce, h, replace } from "./dom";
import { showHistory, showInbox } from "./inbox";
import { showReview } from "./review";

let leave: () => void = () => {};

async function boot(): Promise<void> {
  const main = document.getElementById("main")!;
  const config = (await (await fetch("/portal/config.json", { cache: "no-store" })).json()) as PortalConfig;
  let session: Session | null = null;
  if (config.devMode) {
    document.body.classList.add("development");
    session = resumeDevSession();
    if (!session) {
      await chooseDevIdentity(main);
      return;
    }
  } else if (config.entra) {
    const entra = await entraSession(config.entra);
    session = entra.session;
    if (!session) {
      replace(main,
        h("h1", {}, "Sign in"),
        h("p", {}, "Sign in with your work account to see the requests waiting for you."),
        h("button", { type: "button", class: "primary", onclick: () => void entra.signIn() }, "Sign in with Microsoft"));
      return;
    }
  } else {
    replace(main, h("h1", {}, "Sign-in is not configured"), h("p", {}, "The gateway has no portal sign-in: set Portal:ClientId, Portal:Authority and Portal:Scope, or start it with --dev."));
    return;
  }

  const current = session;
  const api = new Api(() => current.token(), () => current.signOut());
  const me = await api.get<Me>("/api/me");
  header(current, me);
  const route = async () => {
    leave();
    leave = () => {};
    const path = location.pathname.replace(/\/+$/, "");
    markCurrent(path);
    try {
      const review = /^\/portal\/review\/([^/]+)$/.exec(path);
      leave = review ? await showReview(api, main, decodeURIComponent(review[1]))
        : path === "/portal/history" ? await showHistory(api, main)
        : await showInbox(api, main);
      main.focus({ preventScroll: true });
    } catch (error) {
      replace(main, h("h1", {}, "Something went wrong"), h("p", {}, error instanceof ApiError ? error.message : "The gateway could not be reached."));
    }
  };

  document.addEventListener("click", (event) => {
    const link = (event.target as Element).closest<HTMLAnchorElement>("a[data-link]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      history.pushState(null, "", link.getAttribute("href")!);
      void route();
    }
  });
  window.addEventListener("popstate", () => void route());
  await route();
}

function header(session: Session, me: Me): void {
  const user = document.getElementById("user")!;
  replace(user,
    h("span", {}, "Signed in as ", h("strong", {}, session.label), session.development ? " (local identity)" : ""),
    " ",
    h("button", { type: "button", class: "link", onclick: () => session.signOut() }, session.development ? "Switch identity" : "Sign out"));
  if (!me.roles.includes("approver")) {
    announce("You are signed in, but not as an approver: nothing will be waiting for you here.", "error");
  }
  document.getElementById("nav")!.hidden = false;
}

function markCurrent(path: string): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>("#nav a")) {
    const target = link.getAttribute("href")!.replace(/\/+$/, "");
    link.toggleAttribute("aria-current", target === path || (target === "/portal" && path.startsWith("/portal/review")));
    if (link.hasAttribute("aria-current")) {
      link.setAttribute("aria-current", "page");
    }
  }
}

async function chooseDevIdentity(main: HTMLElement): Promise<void> {
  const people = await devPeople();
  replace(main,
    h("h1", {}, "Choose a local identity"),
    h("p", {}, "Development mode: pick who you are. The gateway signs a development token for that person and checks it like any other."),
    h("ul", { class: "people" }, people.map((person) => h("li", {},
      h("button", {
        type: "button",
        class: "person",
        "data-person": person.id,
        onclick: async () => {
          await signInAsDev(person);
          location.reload();
        },
      }, h("strong", {}, person.displayName ?? person.id), h("span", { class: "muted" }, person.email ?? ""),
        h("span", { class: "muted" }, person.groups.length ? person.groups.join(", ") : "no groups"))))));
}

void boot().catch((error: unknown) => {
  const main = document.getElementById("main");
  if (main) {
    replace(main, h("h1", {}, "The portal could not start"), h("p", {}, error instanceof Error ? error.message : String(error)));
  }
});
