/**
 * The Signoff function app: the deployable unit. Each module registers its functions with
 * `@azure/functions` / `durable-functions` when imported.
 */
import './health';
import './alerts';
import './approvals';
import './http';
import './patterns';
import '../bot';
