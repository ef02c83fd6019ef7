/** The app's HTTP API for people and clients (approvals.ts), and the Teams bot's /api/messages (messages.ts). */
import './approvals';
import './messages';
