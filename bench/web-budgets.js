/*
 * web-budgets: the web app's budgets, measured in Debian's Chromium (headless, playwright-core)
 * against the BUILT server (child process, loopback) serving apps/web/dist as it is built.
 * Figures only; the budgets are given as goals and nothing is asserted.
 *
 * 1. JavaScript of the chat route: a new page of the signed-in browser profile, with the HTTP
 *    cache and the service worker bypassed (Chrome DevTools Protocol), opens '/', unlocks and
 *    opens the conversation; every script response of the page (not sw.js, not the service
 *    worker's own fetches) is compressed here with gzip -9 and brotli 11 and summed.
 * 2. A conversation with --messages texts: a colleague in this process (web-sender.js) sends
 *    them while the app is closed (timed), then the app is opened and unlocked and the time
 *    until its store holds them all is taken (the catch-up). Then, per repetition, in a new
 *    page: click on the conversation → the newest message inside the timeline's viewport, and
 *    a scroll from the newest to the oldest: SCROLL_STEPS jumps of scrollTop, then jumps to the
 *    top (older pages load there) until the oldest message is in view (timed). Frames are
 *    recorded in the page: rAF-to-rAF gaps and long animation frames (PerformanceObserver
 *    'long-animation-frame', Chromium's entries of frames over 50 ms). Last, LIVE_TEXTS more
 *    texts arrive one by one while the app shows the conversation list: ms per text until stored.
 * 3. Cold start: the signed-in profile whose app was closed; a new page → '/' → the lock
 *    screen (ms from navigation start), PIN submitted → conversation list (the vault's PBKDF2
 *    unlock and the client's start). Measured twice: with a one-message store (before seeding)
 *    and with the seeded store (in the repetitions of 2).
 * Marks are taken inside the page (performance.now()) in the frame after the element entered
 * the DOM; see web-probes.js. The browser and the server are ended by this process only.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median, nowMs } from './stats.js';
import {
  armOpen,
  countStoredMessages,
  newestInView,
  pageState,
  scrollToTop,
  startFrames,
  stopFrames,
  stopFramesAfter,
} from './web-probes.js';
import { frameStats, scriptNotes, webFigures } from './web-report.js';
import { assetsNotLoaded, recordScripts, scriptTotals } from './web-scripts.js';
import { directConversationWith, seedTexts, startSender } from './web-sender.js';
import { startWebServer } from './web-server.js';
import {
  UI,
  coldStart,
  conversationEntry,
  createInviteToken,
  launchChromium,
  listShown,
  newPage,
  openAndSubmitPin,
  newPersonContext,
  setUpAdministrator,
} from './web-ui.js';

const ROOT = join(import.meta.dirname, '..');
const WEB_DIST = join(ROOT, 'apps/web/dist');
const PIN = '482913';
const PASSWORD = 'lange Passphrase fuer Messungen';
const OLDEST_TEXT = 'Guten Morgen, hier ist Bernd aus dem Bauamt.';
const PEER_TITLE = 'Bernd Berger';
const SEND_CONCURRENCY = 16;
const SCROLL_STEPS = 20;
const SCROLL_PAUSE_MS = 100;
/** How long the scroll may take to reach the oldest message. */
const SCROLL_MAX_MS = 180_000;
/** Frames still recorded after the newest message is in view (rows measured, effects run). */
const OPEN_SETTLE_MS = 500;
const OPEN_TIMEOUT_MS = 300_000;
const CATCH_UP_POLL_MS = 500;
const COUNT_TIMEOUT_MS = 30_000;
const PROGRESS_MS = 10_000;
const LIVE_TEXTS = 5;

function assertBuilt() {
  for (const file of ['apps/server/dist/main.js', 'packages/client/dist/index.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run npm run build`);
  }
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error('apps/web/dist/index.html is missing: run npm run build');
  }
}

/** The build measured: its entry script's name and when index.html was written. */
function webBuild() {
  const index = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
  return {
    entry: /src="\/assets\/([^"]+\.js)"/.exec(index)?.[1] ?? 'unknown',
    builtAt: statSync(join(WEB_DIST, 'index.html')).mtime.toISOString(),
  };
}

/** Budget 1: the chat route's scripts, loaded from the network (no cache, no service worker). */
async function measureScripts(context, problems, baseUrl) {
  const page = await newPage(context, problems);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.setBypassServiceWorker', { bypass: true });
  const recorder = recordScripts(page);
  await page.goto(`${baseUrl}/`);
  await page.getByRole('heading', { name: UI.lockTitle }).waitFor({ timeout: 60_000 });
  await page.getByLabel('PIN oder Passphrase').fill(PIN);
  await page.getByRole('button', { name: 'Entsperren' }).click();
  await conversationEntry(page, PEER_TITLE).click({ timeout: 60_000 });
  await page
    .getByRole('log', { name: UI.logLabel })
    .getByText(OLDEST_TEXT)
    .waitFor({ timeout: 60_000 });
  // Chunks imported lazily after the first render have a moment to arrive.
  await page.waitForTimeout(1000);
  const scripts = await recorder.collect();
  await page.close();
  return scripts;
}

function coldStartSample(marks) {
  return {
    lockMs: marks.lockShownMs,
    unlockMs: marks.listShownMs - marks.pinSubmittedMs,
    totalMs: marks.lockShownMs + (marks.listShownMs - marks.pinSubmittedMs),
    documentReceivedMs: marks.documentReceivedMs,
    domContentLoadedMs: marks.domContentLoadedMs,
  };
}

async function coldStarts(context, problems, baseUrl, repetitions, deadline) {
  const samples = [];
  for (let rep = 0; rep < repetitions; rep++) {
    if (rep > 0 && deadline.isSpent) break;
    const { page, marks } = await coldStart(context, problems, { baseUrl, pin: PIN });
    samples.push(coldStartSample(marks));
    await page.close();
  }
  return samples;
}

/** The browser's count of the conversation's stored messages, or null when it did not answer. */
async function storedInBrowser(page, conversationId) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), COUNT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      page.evaluate(countStoredMessages, { databaseName: 'amtsbote', conversationId }),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until the browser stored `expected` messages of the conversation; reports progress. */
async function waitUntilStored(page, conversationId, expected, { deadline, what }) {
  const startMs = nowMs();
  let reportedMs = startMs;
  for (;;) {
    const stored = await storedInBrowser(page, conversationId);
    if (stored !== null && stored >= expected) return nowMs() - startMs;
    if (nowMs() - reportedMs >= PROGRESS_MS) {
      reportedMs = nowMs();
      const seconds = Math.round((reportedMs - startMs) / 1000);
      console.error(
        `web-budgets: ${what}: ${stored ?? 'no answer'} of ${expected} stored, ${seconds} s`,
      );
    }
    deadline.check(`${what} (${stored} of ${expected} stored)`);
    await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
  }
}

/**
 * Seeds the conversation while the app is closed (the browser profile stays), then opens and
 * unlocks it and waits until its store holds every text: the catch-up. Received live instead,
 * every text made the conversation list read the whole conversation again (see liveReceive).
 */
async function seed(context, problems, { baseUrl, sender, conversationId, count, deadline }) {
  const progress = { sent: 0 };
  const startMs = nowMs();
  const reporter = setInterval(() => {
    const seconds = Math.round((nowMs() - startMs) / 1000);
    console.error(`web-budgets: seeding: ${progress.sent} of ${count} sent, ${seconds} s`);
  }, PROGRESS_MS);
  let sentMs;
  try {
    sentMs = await seedTexts(sender, conversationId, {
      count,
      concurrency: SEND_CONCURRENCY,
      deadline,
      progress,
    });
  } finally {
    clearInterval(reporter);
  }
  deadline.check('seeding');
  const openedMs = nowMs();
  const page = await openAndSubmitPin(context, problems, { baseUrl, pin: PIN });
  await waitUntilStored(page, conversationId, count + 1, { deadline, what: 'catch-up' });
  const catchUpMs = nowMs() - openedMs;
  // The list may wait for the catch-up: as long as the budget lasts.
  const marks = await listShown(page, Math.max(1000, deadline.endMs - nowMs()));
  await page.close();
  return { sentMs, firstStart: coldStartSample(marks), catchUpMs };
}

/**
 * Texts arriving one after another while the app shows the conversation list, with the seeded
 * store: the ms per text from the first send until the browser stored all of them.
 */
async function liveReceive(context, problems, options) {
  const { baseUrl, sender, conversationId, count, deadline } = options;
  const { page } = await coldStart(context, problems, { baseUrl, pin: PIN });
  const startMs = nowMs();
  for (let i = 1; i <= LIVE_TEXTS; i++) {
    await sender.sendText(conversationId, `Nachgereicht ${i} von ${LIVE_TEXTS}.`);
  }
  const sentMs = nowMs() - startMs;
  await waitUntilStored(page, conversationId, count + 1 + LIVE_TEXTS, {
    deadline,
    what: 'live texts',
  });
  const perTextMs = (nowMs() - startMs) / LIVE_TEXTS;
  await page.close();
  return { texts: LIVE_TEXTS, sentMs, perTextMs };
}

/** One repetition of budget 2 (and 3, with the seeded store). */
async function openAndScroll(context, problems, { baseUrl, count }) {
  const { page, marks } = await coldStart(context, problems, { baseUrl, pin: PIN });
  await page.evaluate(armOpen, {
    text: `(${count}/${count})`,
    logLabel: UI.logLabel,
    timeoutMs: OPEN_TIMEOUT_MS,
  });
  await conversationEntry(page, PEER_TITLE).click();
  const openMs = await page.evaluate(newestInView);
  const open = await page.evaluate(stopFramesAfter, OPEN_SETTLE_MS);
  const afterOpen = await page.evaluate(pageState);
  await page.evaluate(startFrames);
  const scroll = await page.evaluate(scrollToTop, {
    logLabel: UI.logLabel,
    steps: SCROLL_STEPS,
    pauseMs: SCROLL_PAUSE_MS,
    oldestText: OLDEST_TEXT,
    maxMs: SCROLL_MAX_MS,
  });
  const scrollFrames = await page.evaluate(stopFrames);
  await page.close();
  return {
    coldStart: coldStartSample(marks),
    openMs,
    open: frameStats(open),
    scroll: { ...scroll, ...frameStats(scrollFrames) },
    ...afterOpen,
  };
}

export async function webBudgets(options, deadline) {
  assertBuilt();
  const build = webBuild();
  const count = options.messages;
  const problems = [];
  const server = await startWebServer();
  let browser = null;
  let isClosing = false;
  let sender = null;
  let scripts;
  let coldBefore;
  let seeding;
  let live = null;
  let browserVersion;
  const reps = [];
  try {
    browser = await launchChromium();
    browserVersion = browser.version();
    browser.on('disconnected', () => {
      if (!isClosing) problems.push('the browser disconnected');
    });
    const context = await newPersonContext(browser);
    const first = await newPage(context, problems);
    await setUpAdministrator(first, `${server.baseUrl}/setup#${server.setupToken}`, {
      pin: PIN,
      password: PASSWORD,
    });
    const inviteToken = await createInviteToken(first);
    sender = await startSender({ ...server, inviteToken, password: PASSWORD });
    const conversationId = await directConversationWith(sender, 'Anna Admin');
    await sender.sendText(conversationId, OLDEST_TEXT);
    await conversationEntry(first, PEER_TITLE).waitFor({ timeout: 60_000 });
    await first.close();
    deadline.check('setup');

    scripts = await measureScripts(context, problems, server.baseUrl);
    deadline.check('the script measurement');
    coldBefore = await coldStarts(context, problems, server.baseUrl, options.repetitions, deadline);
    deadline.check('the cold starts before seeding');
    seeding = await seed(context, problems, {
      baseUrl: server.baseUrl,
      sender,
      conversationId,
      count,
      deadline,
    });
    for (let rep = 0; rep < options.repetitions; rep++) {
      if (rep > 0 && deadline.isSpent) break;
      reps.push(await openAndScroll(context, problems, { baseUrl: server.baseUrl, count }));
    }
    if (!deadline.isSpent) {
      live = await liveReceive(context, problems, {
        baseUrl: server.baseUrl,
        sender,
        conversationId,
        count,
        deadline,
      });
    }
  } finally {
    isClosing = true;
    await sender?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
  if (reps.length === 0) throw new Error('no repetition of the conversation completed');
  const buildAtEnd = webBuild();
  const isWebBuildChanged = buildAtEnd.builtAt !== build.builtAt;

  const totals = scriptTotals(scripts);
  const notLoaded = assetsNotLoaded(
    WEB_DIST,
    scripts.map((s) => s.path),
  );
  const figures = webFigures({
    build,
    count,
    totals,
    reps,
    coldBefore,
    seeding,
    live,
    openSettleMs: OPEN_SETTLE_MS,
    scrollSteps: SCROLL_STEPS,
    sendsInFlight: SEND_CONCURRENCY,
  });
  const notes = scriptNotes(totals, notLoaded);
  if (isWebBuildChanged) {
    notes.push(
      `apps/web/dist was rebuilt during the run (${buildAtEnd.entry} of ${buildAtEnd.builtAt}); ` +
        'the server had read index.html before, so later pages may have missed assets: run again.',
    );
  }
  if (reps.some((r) => !r.scroll.isOldestInView)) {
    notes.push('The scroll did not bring the oldest message into view in every repetition.');
  }
  if (totals.unreadable.length > 0) {
    notes.push(`Script bodies not readable: ${totals.unreadable.map((s) => s.path).join(', ')}.`);
  }
  if (problems.length > 0) {
    notes.push(`Page errors and failed requests: ${[...new Set(problems)].join('; ')}`);
  }
  return {
    parameters:
      `${count.toLocaleString('en')} messages, ${server.backend}, loopback, ` +
      `Chromium ${browserVersion} headless 1440×900, web build ${build.entry} of ${build.builtAt}`,
    figures,
    ratios: {},
    webBuild: build,
    isWebBuildChanged,
    scripts,
    scriptsNotLoaded: notLoaded,
    seeding: { ...seeding, messages: count, sendsInFlight: SEND_CONCURRENCY },
    live,
    perRepetition: reps,
    coldStartBeforeSeeding: coldBefore,
    medianDomElementsAfterOpen: median(reps.map((r) => r.domElements)),
    problems: [...new Set(problems)],
    notes,
  };
}
