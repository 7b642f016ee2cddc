/*
 * What web-budgets runs inside the page. Every timing is taken in the page with
 * performance.now() (origin: the page's navigation start), so Playwright's round trips are not
 * in the figures. Each function is serialised by Playwright: no closures over this module.
 */
/* global window, document, requestAnimationFrame, MutationObserver, indexedDB, IDBKeyRange --
   these functions run in the page, not in Node. */

/**
 * Added to every page of the context before the app's own scripts. Records, in the rAF callback
 * after the element entered the DOM (the frame that paints it): when the lock screen's heading
 * appeared, when its form was submitted, and when the conversation list appeared after that.
 * Defines window.__bench with a frame recorder and the watch for the newest message.
 */
export function installProbes({ lockTitle, listLabel }) {
  const marks = { lockShownMs: null, pinSubmittedMs: null, listShownMs: null };
  const afterFrame = (set) => requestAnimationFrame(() => set(performance.now()));
  const isLockShown = () =>
    [...document.querySelectorAll('h1, h2')].some((h) => h.textContent?.trim() === lockTitle);
  const marker = new MutationObserver(() => {
    if (marks.lockShownMs === null && isLockShown()) {
      marks.lockShownMs = -1;
      afterFrame((t) => (marks.lockShownMs = t));
    }
    const list = `[role="listbox"][aria-label="${listLabel}"]`;
    if (marks.pinSubmittedMs !== null && marks.listShownMs === null) {
      if (document.querySelector(list) !== null) {
        marks.listShownMs = -1;
        marker.disconnect();
        afterFrame((t) => (marks.listShownMs = t));
      }
    }
  });
  marker.observe(document, { childList: true, subtree: true });
  document.addEventListener(
    'submit',
    () => {
      if (marks.lockShownMs !== null && marks.pinSubmittedMs === null) {
        marks.pinSubmittedMs = performance.now();
      }
    },
    { capture: true },
  );

  let recording = null;
  const loafType = 'long-animation-frame';
  window.__bench = {
    marks,
    isLoafSupported: PerformanceObserver.supportedEntryTypes.includes(loafType),

    /** Starts recording frames: rAF-to-rAF gaps and long animation frames (> 50 ms). */
    startFrames() {
      const state = { gapsMs: [], loafs: [], lastMs: null, isRunning: true, observer: null };
      const tick = (t) => {
        if (!state.isRunning) return;
        if (state.lastMs !== null) state.gapsMs.push(t - state.lastMs);
        state.lastMs = t;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      if (window.__bench.isLoafSupported) {
        state.observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            state.loafs.push({ durationMs: entry.duration, blockingMs: entry.blockingDuration });
          }
        });
        state.observer.observe({ type: loafType, buffered: false });
      }
      recording = state;
    },

    stopFrames() {
      const state = recording;
      recording = null;
      state.isRunning = false;
      if (state.observer !== null) {
        for (const entry of state.observer.takeRecords()) {
          state.loafs.push({ durationMs: entry.duration, blockingMs: entry.blockingDuration });
        }
        state.observer.disconnect();
      }
      return { gapsMs: state.gapsMs, loafs: state.loafs };
    },

    /**
     * Resolves with the ms from the next pointerdown (the click on the conversation) to the
     * first frame in which the message containing `text` is inside the timeline's viewport.
     */
    watchNewest({ text, logLabel, timeoutMs }) {
      let clickedMs = null;
      document.addEventListener(
        'pointerdown',
        () => {
          clickedMs ??= performance.now();
        },
        { capture: true, once: true },
      );
      let isDirty = true;
      const changes = new MutationObserver(() => {
        isDirty = true;
      });
      changes.observe(document.body, { childList: true, subtree: true, characterData: true });
      let found = null;
      const startedMs = performance.now();
      window.__bench.newest = new Promise((resolve, reject) => {
        const finish = (settle) => {
          changes.disconnect();
          settle();
        };
        const check = (t) => {
          if (t - startedMs > timeoutMs) {
            finish(() => reject(new Error(`"${text}" not visible within ${timeoutMs} ms`)));
            return;
          }
          const log = document.querySelector(`[role="log"][aria-label="${logLabel}"]`);
          if (log !== null && clickedMs !== null) {
            if (found === null || !found.isConnected) {
              found = null;
              if (isDirty) {
                isDirty = false;
                const articles = log.querySelectorAll('article');
                for (let i = articles.length - 1; i >= 0; i--) {
                  if (articles[i].textContent?.includes(text)) {
                    found = articles[i];
                    break;
                  }
                }
              }
            }
            if (found !== null) {
              const box = found.getBoundingClientRect();
              const view = log.getBoundingClientRect();
              if (box.height > 0 && box.bottom > view.top && box.top < view.bottom) {
                finish(() => resolve(t - clickedMs));
                return;
              }
            }
          }
          requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
    },
  };
}

/**
 * The cold start's marks once all three are taken, else null (for waitForFunction); with the
 * navigation's own milestones, to tell loading from the app's start.
 */
export function coldStartMarks() {
  const m = window.__bench.marks;
  if (!(m.lockShownMs > 0 && m.pinSubmittedMs > 0 && m.listShownMs > 0)) return null;
  const [navigation] = performance.getEntriesByType('navigation');
  return {
    ...m,
    documentReceivedMs: navigation?.responseEnd ?? null,
    domContentLoadedMs: navigation?.domContentLoadedEventEnd ?? null,
  };
}

/** Arms the watch for the newest message and starts recording frames, before the click. */
export function armOpen({ text, logLabel, timeoutMs }) {
  window.__bench.watchNewest({ text, logLabel, timeoutMs });
  window.__bench.startFrames();
}

/** Ms from the click to the newest message in view (waits for it). */
export function newestInView() {
  return window.__bench.newest;
}

export function startFrames() {
  window.__bench.startFrames();
}

export function stopFrames() {
  return window.__bench.stopFrames();
}

/** Stops recording frames after `settleMs` more. */
export function stopFramesAfter(settleMs) {
  return new Promise((resolve) => {
    setTimeout(() => resolve(window.__bench.stopFrames()), settleMs);
  });
}

/** The page after opening: elements in the DOM, the JS heap (Chromium only), LoAF support. */
export function pageState() {
  return {
    domElements: document.getElementsByTagName('*').length,
    heapBytes: performance.memory?.usedJSHeapSize ?? null,
    isLoafSupported: window.__bench.isLoafSupported,
  };
}

/**
 * Scrolls the timeline from where it is (the newest message) to the top in `steps` jumps of
 * scrollTop, each followed by three frames and a pause; then keeps jumping to the top, as a
 * reader keeps scrolling up, until the oldest message is in view or `maxMs` have passed. A
 * virtualised timeline re-measures rows as they appear, and a paged one adds older rows in
 * front while the reader is near the top, so each jump aims at the scroll height as it is then.
 */
export async function scrollToTop({ logLabel, steps, pauseMs, oldestText, maxMs }) {
  const log = document.querySelector(`[role="log"][aria-label="${logLabel}"]`);
  if (log === null) throw new Error('no timeline to scroll');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const settle = async () => {
    for (let i = 0; i < 3; i++) await frame();
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  };
  const isOldestInView = () => {
    const view = log.getBoundingClientRect();
    return [...log.querySelectorAll('article')].some((article) => {
      if (!article.textContent?.includes(oldestText)) return false;
      const box = article.getBoundingClientRect();
      return box.bottom > view.top && box.top < view.bottom;
    });
  };
  const startedMs = performance.now();
  const startHeight = log.scrollHeight;
  for (let step = 1; step <= steps; step++) {
    const range = log.scrollHeight - log.clientHeight;
    log.scrollTop = Math.round(range * (1 - step / steps));
    await settle();
  }
  let topJumps = 0;
  while (!isOldestInView() && performance.now() - startedMs < maxMs) {
    log.scrollTop = 0;
    topJumps += 1;
    await settle();
  }
  return {
    isOldestInView: isOldestInView(),
    reachedOldestMs: isOldestInView() ? Math.round(performance.now() - startedMs) : null,
    topJumps,
    startHeightPx: startHeight,
    endHeightPx: log.scrollHeight,
    articlesInDom: log.querySelectorAll('article').length,
  };
}

/** Records of this conversation's messages in the vault's store (keys are not encrypted). */
export function countStoredMessages({ databaseName, conversationId }) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(databaseName);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      if (!db.objectStoreNames.contains('messages')) {
        db.close();
        reject(new Error(`${databaseName} has no 'messages' store`));
        return;
      }
      const prefix = `m/${conversationId}/`;
      const counting = db
        .transaction('messages', 'readonly')
        .objectStore('messages')
        .count(IDBKeyRange.bound(prefix, `${prefix}\uffff`));
      counting.onsuccess = () => {
        db.close();
        resolve(counting.result);
      };
      counting.onerror = () => {
        db.close();
        reject(counting.error);
      };
    };
  });
}
