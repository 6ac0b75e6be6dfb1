// Vigie's reviewer console in a real browser: Debian's Chromium, headless, driven by
// playwright-core. A real `vigie serve` on a fresh data directory, real tokens, real items
// decided by the engine. Run: `npm test` here, after `cargo build --release -p vigie`.
//
// Environment: VIGIE_BIN (default ../target/release/vigie), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOTS=DIR to write the screenshots there (the README's come from SCREENSHOTS=../docs).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const VIGIE = resolve(here, process.env.VIGIE_BIN ?? "../target/release/vigie");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = process.env.SCREENSHOTS ? resolve(here, process.env.SCREENSHOTS) : mkdtempSync(join(tmpdir(), "vigie-shots-"));
const IMAGE = resolve(here, "../../shared/anchors/pdq/images/pdq/data/bridge-mods/aaa-orig.jpg");
const VIDEO = resolve(here, "../../shared/anchors/pdq/vpdq/tmk/sample-videos/test-padded-dimensions.mp4");

let data, server, base, browser;
const tokens = {};
const seeded = {};

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

function token(scope, name) {
  return execFileSync(VIGIE, ["token", "create", "--data", data, "--scope", scope, "--name", name], { encoding: "utf8" }).trim();
}

async function api(method, path, body, tok = tokens.platform, contentType = "application/json") {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${tok}`, "content-type": contentType },
    body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : body,
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: response.status, json };
}

// Texts are invented. Ransom content always goes to a person (critical), so each of these opens
// a case; the attack payloads ride inside them, as a smuggler would write them.
const PHONE = "+218 91 234 5678";
const ITEMS = {
  ransom: {
    kind: "message", lang: "ar", author: { id: "acct-captor-1" },
    text: `أخوك عندنا في بني وليد. ادفع 5000 دولار خلال ثلاثة أيام وإلا سنقتله. أرسل المال عبر ويسترن يونيون واتصل على ${PHONE}`,
  },
  ransomFr: {
    kind: "message", lang: "fr", author: { id: "acct-captor-1" },
    text: `Votre frère est avec nous à Sabha. Payez 3000 euros la rançon sinon il va mourir. Appelez le ${PHONE} vite.`,
  },
  script: {
    kind: "message", lang: "fr", author: { id: "acct-x1" },
    text: `Payez la rançon 4000 dollars sinon on le tue <script>window.__pwned = "script"</script> appelez le ${PHONE}`,
  },
  handler: {
    kind: "message", lang: "en", author: { id: "acct-x2" },
    text: `Pay the ransom of 2000 dollars or we kill him <img src=x onerror="window.__pwned='onerror'"> <b onmouseover="window.__pwned='hover'">send money now</b>`,
  },
  jslink: {
    kind: "message", lang: "en", author: { id: "acct-x3" },
    text: `Pay the ransom 1500 dollars tonight or he dies. Proof here: <a href="javascript:window.__pwned='link'">video</a> "><svg onload=window.__pwned='svg'>`,
  },
  rtl: {
    kind: "message", lang: "en", author: { id: "acct-x4" },
    text: "Pay the ransom or we kill your son. Send to wallet \u202Egnp.exe\u202C and call \u2067+218 91 234 5678\u2069 now",
  },
};

before(async () => {
  data = mkdtempSync(join(tmpdir(), "vigie-console-"));
  tokens.platform = token("ingest", "platform");
  tokens.amina = token("review", "amina");
  tokens.yonas = token("review", "yonas");
  tokens.ingestOnly = token("ingest", "not-a-reviewer");
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(VIGIE, ["serve", "--data", data, "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "inherit", "inherit"] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base + "/healthz")).ok) break;
    } catch { /* not yet */ }
    if (i > 200) throw new Error("vigie serve did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const media = await api("POST", "/v1/media", readFileSync(IMAGE), tokens.platform, "application/octet-stream");
  assert.equal(media.status, 201, JSON.stringify(media.json));
  seeded.sha256 = media.json.sha256;
  const video = await api("POST", "/v1/media", readFileSync(VIDEO), tokens.platform, "application/octet-stream");
  assert.equal(video.status, 201, JSON.stringify(video.json));
  assert.equal(video.json.type, "video");
  for (const [key, item] of Object.entries(ITEMS)) {
    const body = { id: `it-${key}`, ...item };
    if (key === "ransom") body.media = [{ id: "m1", ...media.json }];
    if (key === "ransomFr") body.media = [{ id: "v1", ...video.json }];
    const r = await api("POST", "/v1/items", body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.verdict, "review", `${key} should go to a person: ${JSON.stringify(r.json.labels)}`);
  }
  const cases = await api("GET", "/v1/cases?queue=extortion.ransom", undefined, tokens.amina);
  for (const c of cases.json.cases) seeded[c.item_id] = c.id;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (data) rmSync(data, { recursive: true, force: true });
});

/// A fresh browser context with a trap: any script the page runs besides ours would set
/// window.__pwned, call alert, or be reported as a CSP violation.
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.violations = [];
  page.dialogs = [];
  page.on("dialog", async (d) => { page.dialogs.push(d.message()); await d.dismiss(); });
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) page.violations.push(m.text()); });
  return { context, page };
}

async function signIn(page, tok) {
  await page.goto(base + "/console");
  assert.match(page.url(), /\/console\/login$/);
  await page.fill("#token", tok);
  await page.click("form.login button[type=submit]");
  await page.waitForURL(base + "/console");
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: false });
}

test("sign-in needs a reviewer token and sets a secure HttpOnly cookie", async () => {
  const { context, page } = await newPage();
  await page.goto(base + "/console/login");
  await shot(page, "login");
  await page.fill("#token", tokens.ingestOnly);
  await page.click("form.login button[type=submit]");
  assert.match(await page.textContent(".error"), /no `review` scope/);
  await page.fill("#token", "vgt_0000");
  await page.click("form.login button[type=submit]");
  assert.match(await page.textContent(".error"), /Unknown or revoked/);
  await signIn(page, tokens.amina);
  const cookie = (await context.cookies()).find((c) => c.name === "vigie_session");
  assert.ok(cookie, "session cookie set");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie.includes("vigie_session")), false, "not readable by scripts");
  const response = await page.goto(base + "/console");
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  await context.close();
});

test("queues put ransom first; a reviewer reveals the blurred image, confirms, and the case leaves the queue with its audit entry", async () => {
  const { context, page } = await newPage();
  await signIn(page, tokens.amina);
  const firstQueue = await page.textContent("table.queues tbody tr:first-child .queue-link");
  assert.equal(firstQueue, "extortion.ransom");
  await shot(page, "queues");

  await page.click("text=extortion.ransom");
  const caseId = seeded["it-ransom"];
  assert.ok(await page.isVisible(`a.case-link[href="/console/cases/${caseId}"]`));
  await shot(page, "queue");

  await page.click(`a.case-link[href="/console/cases/${caseId}"]`);
  await page.waitForURL(`${base}/console/cases/${caseId}`);
  // Evidence highlighted in place, right to left.
  assert.ok(await page.locator("#item-text mark.entity-phone").count() >= 1);
  assert.ok(await page.locator("#item-text mark.term").count() >= 1);
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById("item-text")).direction), "rtl");
  // The image is blurred and greyscale until revealed.
  const figure = page.locator("figure.media").first();
  assert.match(await figure.getAttribute("class"), /blurred/);
  const filter = () => page.evaluate(() => getComputedStyle(document.querySelector("figure.media img")).filter);
  assert.match(await filter(), /blur\(22px\) grayscale\(1\)/);
  await page.waitForFunction(() => document.querySelector("figure.media img").complete);
  assert.ok(await page.evaluate(() => document.querySelector("figure.media img").naturalWidth) > 0, "image served");
  await shot(page, "case");
  await page.click("figure.media button.reveal");
  assert.doesNotMatch(await figure.getAttribute("class"), /blurred/);
  assert.equal(await filter(), "none");

  // One keystroke: confirm with the label shown.
  assert.equal(await page.inputValue("#label"), "extortion.ransom");
  await page.keyboard.press("c");
  await page.waitForURL((url) => !url.pathname.endsWith(`/cases/${caseId}`));

  await page.goto(base + "/console/queues/extortion.ransom");
  assert.equal(await page.locator(`a.case-link[href="/console/cases/${caseId}"]`).count(), 0, "left the queue");
  await page.goto(`${base}/console/cases/${caseId}`);
  assert.match(await page.textContent(".closed"), /closed/);
  const audit = await page.textContent("#audit");
  assert.match(audit, /case\.decided/);
  assert.match(audit, /token:\d+:amina/);
  // Revealing was for that case only: a fresh load is blurred again.
  assert.match(await page.locator("figure.media").first().getAttribute("class"), /blurred/);

  // The review went through the same path as automatic decisions: a reviewed decision.
  const decision = await api("GET", "/v1/decisions/it-ransom", undefined, tokens.amina);
  assert.equal(decision.json.automated, false);
  const actions = decision.json.actions.map((a) => a.type);
  for (const expected of ["preserve_evidence", "refer_law_enforcement", "remove"]) assert.ok(actions.includes(expected), actions.join());
  const labels = await fetch(base + "/metrics").then((r) => r.text());
  assert.ok(labels.length > 0);
  await context.close();
});

test("an appeal goes to a different reviewer", async () => {
  const appeal = await api("POST", "/v1/appeals", { item_id: "it-ransom", reason: "ما كتبت هذا، حسابي مسروق" });
  assert.equal(appeal.status, 201, JSON.stringify(appeal.json));
  const appealId = appeal.json.case.id;

  const first = await newPage();
  await signIn(first.page, tokens.amina);
  await first.page.goto(`${base}/console/cases/${appealId}`);
  assert.match(await first.page.textContent(".appeal"), /another reviewer decides/);
  assert.equal(await first.page.isDisabled("#do-confirm"), true);
  // Even forcing the form, the server refuses.
  await first.page.evaluate(() => { for (const b of document.querySelectorAll(".buttons button")) b.disabled = false; });
  await first.page.click("#do-overturn");
  assert.match(await first.page.textContent(".error"), /different reviewer/);
  await first.context.close();

  const second = await newPage();
  await signIn(second.page, tokens.yonas);
  await second.page.goto(`${base}/console/cases/${appealId}`);
  assert.equal(await second.page.isDisabled("#do-overturn"), false);
  assert.match(await second.page.textContent(".appeal-reason"), /حسابي مسروق/);
  await shot(second.page, "appeal");
  await second.page.fill("#note", "Le compte était piraté : rétablir");
  await second.page.click("#do-overturn");
  await second.page.goto(`${base}/console/cases/${appealId}`);
  assert.match(await second.page.textContent(".history"), /token:\d+:yonas\s+overturn/);
  const decision = await api("GET", "/v1/decisions/it-ransom", undefined, tokens.yonas);
  assert.deepEqual(decision.json.actions.map((a) => a.type), ["restore"]);
  assert.equal(decision.json.verdict, "allow");
  await second.context.close();
});

test("attacker text renders as inert text: no script runs", async () => {
  const { context, page } = await newPage();
  await page.addInitScript(() => { window.alert = window.confirm = window.prompt = () => { window.__pwned = "dialog"; }; });
  await signIn(page, tokens.yonas);
  for (const key of ["script", "handler", "jslink", "rtl"]) {
    const caseId = seeded[`it-${key}`];
    assert.ok(caseId, `case for ${key}`);
    await page.goto(`${base}/console/cases/${caseId}`);
    const text = await page.textContent("#item-text");
    const raw = ITEMS[key].text.replace(/[\u202A-\u202E\u2066-\u2069]/g, "");
    for (const word of raw.split(/\s+/).filter((w) => w.includes("<") || w.includes("javascript:"))) {
      assert.ok(text.includes(word), `${key}: "${word}" shown as text`);
    }
    await page.hover("#item-text");
    assert.equal(await page.evaluate(() => window.__pwned), undefined, `${key}: a script ran`);
    assert.equal(await page.locator("#item-text script, #item-text img, #item-text a, #item-text svg, #item-text b").count(), 0);
  }
  // The direction override is shown by name and not applied.
  const rtl = await page.textContent("#item-text");
  assert.match(rtl, /\[RLO\]gnp\.exe\[PDF\]/);
  assert.ok(!rtl.includes("\u202E"));
  await shot(page, "xss");
  // In the queue list too.
  await page.goto(base + "/console/queues/extortion.ransom");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(page.dialogs, []);
  await context.close();
});

test("video is blurred, greyscale and muted until the reviewer chooses", async () => {
  const { context, page } = await newPage();
  await signIn(page, tokens.yonas);
  await page.goto(`${base}/console/cases/${seeded["it-ransomFr"]}`);
  const video = page.locator("figure.media video");
  assert.equal(await video.count(), 1);
  assert.equal(await video.evaluate((v) => v.muted), true);
  assert.equal(await video.evaluate((v) => v.autoplay), false);
  assert.match(await video.evaluate((v) => getComputedStyle(v).filter), /blur\(22px\) grayscale\(1\)/);
  await page.keyboard.press("v");
  assert.equal(await video.evaluate((v) => getComputedStyle(v).filter), "none");
  assert.equal(await video.evaluate((v) => v.muted), true, "revealing does not unmute");
  await context.close();
});

test("forms without the session's CSRF token are refused", async () => {
  const { context, page } = await newPage();
  await signIn(page, tokens.yonas);
  const caseId = seeded["it-ransomFr"];
  const forged = await page.request.post(`${base}/console/cases/${caseId}/decision`, {
    form: { csrf: "0".repeat(64), outcome: "overturn" },
  });
  assert.equal(forged.status(), 403);
  await page.goto(`${base}/console/cases/${caseId}`);
  assert.equal(await page.locator(".closed").count(), 0, "still open");
  await context.close();
});

test("search by phone, author, hash and text", async () => {
  const { context, page } = await newPage();
  await signIn(page, tokens.yonas);
  await page.goto(base + "/console/search");
  await page.selectOption("select[name=by]", "phone");
  await page.fill("input[name=q]", "00218 91-234-5678");
  await page.click("form.search button");
  const found = await page.locator("table.results tbody tr").count();
  assert.ok(found >= 3, `phone search found ${found}`);
  await shot(page, "search");
  for (const [by, q, id] of [["author", "acct-captor-1", "it-ransomFr"], ["hash", seeded.sha256.toUpperCase(), "it-ransom"], ["text", "بني وليد", "it-ransom"]]) {
    await page.goto(`${base}/console/search?by=${by}&q=${encodeURIComponent(q)}`);
    assert.match(await page.textContent("table.results"), new RegExp(id), `${by} ${q}`);
  }
  // Linked items on a case: the shared phone number.
  await page.goto(`${base}/console/cases/${seeded["it-ransomFr"]}`);
  assert.match(await page.textContent("table.linked"), /phone \+218912345678/);
  await context.close();
});

test("a reviewer who prefers it sees media unblurred by default; signing out ends the session", async () => {
  const { context, page } = await newPage();
  await signIn(page, tokens.yonas);
  await page.goto(base + "/console/settings");
  await page.check("input[name=reveal_media]");
  await page.click("form.settings button");
  await page.goto(`${base}/console/cases/${seeded["it-ransom"]}`);
  assert.doesNotMatch(await page.locator("figure.media").first().getAttribute("class"), /blurred/);
  await page.click("form.signout button");
  await page.waitForURL(base + "/console/login");
  await page.goto(base + "/console");
  assert.match(page.url(), /\/console\/login$/);
  await context.close();
});
