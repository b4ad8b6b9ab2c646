// Keeps the progress page of a file the worker makes (an export, a pack) up to date without reloading it: polls
// the JSON progress endpoint named in data-progress-url and updates the
// numbers in place. When the export has finished (ready, failed or expired)
// it reloads the page once, to show the download or the reason.
//
// Loaded as a module only while an export is waiting or being made. Without
// JavaScript the page reloads itself instead, through a
// <meta http-equiv="refresh"> inside <noscript>.

const POLL_MILLISECONDS = 2000;
const MAX_FAILURES = 5;

const panel = document.querySelector("[data-export-progress]");

function show(progress) {
  const summary = panel.querySelector("[data-progress-summary]");
  const time = panel.querySelector("[data-progress-time]");
  // The server words it (reports.jobs.progress_data), for every kind of file.
  const text = progress.summary;
  // Only touch the live region when the words change, so screen readers
  // announce progress rather than every poll.
  if (summary && summary.textContent !== text) {
    summary.textContent = text;
  }
  if (time && time.textContent !== progress.time_left) {
    time.textContent = progress.time_left;
  }
}

async function poll(failures = 0) {
  let next = failures;
  try {
    const response = await fetch(panel.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      throw new Error(`Progress request failed: ${response.status}`);
    }
    const progress = await response.json();
    show(progress);
    if (progress.finished) {
      window.location.reload();
      return;
    }
    next = 0;
  } catch (error) {
    next = failures + 1;
    if (next >= MAX_FAILURES) {
      // Signed out, or the server is away: the page itself will say which.
      window.location.reload();
      return;
    }
  }
  window.setTimeout(() => poll(next), POLL_MILLISECONDS * (next + 1));
}

if (panel && panel.dataset.progressUrl) {
  window.setTimeout(() => poll(), POLL_MILLISECONDS);
}
