/** The app's HTTP API (the bot's /api/messages lives with the bot). */
import './approvals';
