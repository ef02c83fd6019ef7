/**
 * The Signoff function app: the deployable unit and the composition root. Each module registers
 * its functions with `@azure/functions` / `durable-functions` when imported; this is the only
 * place that puts the domain (domain/), the cards and the bot (bot/) together with storage and
 * the durable client.
 */
import './approvals';
import './http';
import './patterns';
