// The page a browser opens for a desktop session: noVNC's RFB client (served from @novnc/novnc by the
// gateway) connected to the session's tunnel beside the page. No credential is in the page: the
// gateway cookie (HttpOnly) lets the WebSocket in, and the tunnel offers security type None.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

export function vncPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  html, body { margin: 0; height: 100%; background: #202124; color: #e8eaed; font: 14px sans-serif; }
  #bar { height: 28px; line-height: 28px; padding: 0 8px; }
  #screen { position: absolute; top: 28px; bottom: 0; left: 0; right: 0; }
</style>
<script type="module" src="/assets/vnc-client.js"></script>
</head>
<body data-state="connecting">
<div id="bar"><strong>${escapeHtml(title)}</strong> · <span id="status">connecting…</span></div>
<div id="screen"></div>
</body>
</html>
`;
}

/** The page's script: connects noVNC to `<page path>websockify` on the same origin. */
export const VNC_CLIENT_SCRIPT = `import RFB from '/novnc/core/rfb.js';
const status = document.getElementById('status');
const show = (state, text) => { document.body.dataset.state = state; status.textContent = text; };
const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
const url = scheme + location.host + location.pathname.replace(/[^/]*$/, '') + 'websockify';
const rfb = new RFB(document.getElementById('screen'), url);
rfb.scaleViewport = true;
rfb.addEventListener('connect', () => show('connected', 'connected'));
rfb.addEventListener('disconnect', (e) => show('disconnected', e.detail.clean ? 'disconnected' : 'connection lost'));
rfb.addEventListener('securityfailure', (e) => show('refused', 'refused: ' + (e.detail.reason || e.detail.status)));
rfb.addEventListener('desktopname', (e) => { document.title = e.detail.name; });
window.daasRfb = rfb;
`;
