// First: before the packages make their schemas (see the module).
import './zod-without-eval.js';
import { openTransferLink } from '@amtsbote/client/transfer-link';
import { preferredLanguage } from './messages.js';
import { createFileSaver } from './save-file.js';
import { TransferPage } from './transfer-page.js';
import { TransferView } from './view.js';

/* The composition root of the transfer link's download page (transfer.html, served at /t/<id>). */

const page = new TransferPage({
  href: window.location.href,
  language: preferredLanguage(navigator.languages),
  openLink: openTransferLink,
  saver: createFileSaver(window, document),
  createView: (handlers) => new TransferView(document, handlers),
});
page.start();
