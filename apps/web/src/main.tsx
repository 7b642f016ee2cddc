// First: before the packages make their schemas (see the module).
import './transfer/zod-without-eval.js';
import { StrictMode, useMemo, useState, type ReactElement } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import type { i18n } from 'i18next';
import { App } from './app/App.js';
import { LanguageContext } from './app/language-context.js';
import { entryRoute } from './app/route.js';
import {
  createI18n,
  isLanguage,
  otherLanguage,
  preferredLanguage,
  type Language,
} from './i18n/i18n.js';
import { readDevicePolicy } from './features/settings/device-policy.js';
import { createBrowserVault } from './session/browser-vault.js';
import './styles/base.css';
import './styles/app.css';

/* The composition root of the web app: language, vault, entry route; everything else is passed in. */

const LANGUAGE_KEY = 'amtsbote.language';

function Root({
  i18n,
  initial,
}: {
  readonly i18n: i18n;
  readonly initial: Language;
}): ReactElement {
  const [language, setLanguage] = useState(initial);
  // The organization's wipe threshold as last read on this device: a change that the app reads
  // while it runs takes effect at its next start (features/settings/device-policy.ts).
  const vault = useMemo(
    () =>
      createBrowserVault({
        maxFailedAttempts: readDevicePolicy(localStorage).vaultWipeAfterFailures,
      }),
    [],
  );
  const route = useMemo(() => entryRoute(location.pathname, location.hash), []);
  const control = useMemo(
    () => ({
      language,
      other: otherLanguage(language),
      switchLanguage: () => {
        const next = otherLanguage(language);
        localStorage.setItem(LANGUAGE_KEY, next);
        document.documentElement.lang = next;
        tellWorkerLanguage(next);
        void i18n.changeLanguage(next);
        setLanguage(next);
      },
    }),
    [i18n, language],
  );
  return (
    <I18nextProvider i18n={i18n}>
      <LanguageContext.Provider value={control}>
        <App
          origin={location.origin}
          route={route}
          vault={vault}
          replacePath={(path) => {
            history.replaceState(null, '', path);
          }}
        />
      </LanguageContext.Provider>
    </I18nextProvider>
  );
}

/** The service worker keeps the app shell for offline starts and shows push notifications. */
function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}

/** The worker shows its notification text in the app's language (it cannot read localStorage). */
function tellWorkerLanguage(language: Language): void {
  if (!('caches' in window)) return;
  void caches
    .open('amtsbote-settings')
    .then((cache) => cache.put('/__amtsbote_language', new Response(language)))
    .catch(() => undefined);
}

async function start(): Promise<void> {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  const language = isLanguage(stored) ? stored : preferredLanguage(navigator.languages);
  document.documentElement.lang = language;
  tellWorkerLanguage(language);
  registerServiceWorker();
  const i18n = await createI18n(language);
  const container = document.getElementById('root');
  if (container === null) throw new Error('index.html has no #root');
  createRoot(container).render(
    <StrictMode>
      <Root i18n={i18n} initial={language} />
    </StrictMode>,
  );
}

void start();
