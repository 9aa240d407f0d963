// Renders the same Adaptive Card JSON the Teams channel gets, with the adaptivecards renderer. Card text is Markdown
// (the gateway escapes untrusted text); links, images and raw HTML are switched off here as a second line of defence.
import * as AdaptiveCards from "adaptivecards";
import MarkdownIt from "markdown-it";

const markdown = new MarkdownIt({ html: false, linkify: false, breaks: false }).disable(["link", "image", "autolink"]);

AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdown.renderInline(text);
  result.didProcess = true;
};

export function renderCard(json: Record<string, unknown>): HTMLElement {
  // Decisions are made with the portal's own controls, so the card's buttons are left out.
  const { actions: _ignored, ...body } = json;
  void _ignored;
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig({
    fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    containerStyles: { default: { backgroundColor: "#ffffff", foregroundColors: { default: { default: "#1f2328", subtle: "#59636e" } } } },
  });
  card.parse(body);
  const element = card.render();
  if (!element) {
    throw new Error("The card could not be rendered.");
  }
  element.classList.add("approval-card");
  return element;
}
