/**
 * The app's HTTP endpoints: health (public), the approvals API for people and clients (with documents), the
 * alerts the host posts, the dashboard's app views, and the Teams bot's /api/messages; and what
 * every endpoint shares (body.ts, guard.ts, principal.ts).
 */
import './health';
import './alerts';
import './approvals';
import './documents';
import './dashboardViews';
import './messages';
