"""Tell stewards when a publishing run fails or crashes: Prefect automations set up from a profile.

Two automations on the Prefect server at ``PREFECT_API_URL``:

* ``odp: notify on failed publishing runs``: a run of ``publish-dataset`` or
  ``publish-catalogue`` that ends Failed or Crashed sends one message through a
  Custom Webhook notification block (the profile's webhook: a chat channel, an
  e-mail gateway). The message names the datasets, the failing step and the first
  error (the run's final state message) and links to the run. One message per run:
  Prefect can deliver a state event twice, so the trigger counts per flow run and
  stays quiet for ten minutes after it fired.
* ``odp: mark silent runs crashed``: flow runs send a heartbeat every 30 s; a run
  whose heartbeats stop (its worker was killed) is marked Crashed after
  ``crash_after`` seconds, which then notifies as above.

Applying is idempotent: the block is overwritten and the automations replaced.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from ..errors import ConfigError
from ..profile import Notifications, PublisherProfile

FLOWS = ("publish-dataset", "publish-catalogue")
NOTIFY = "odp: notify on failed publishing runs"
SILENT = "odp: mark silent runs crashed"
BLOCK = "odp-notifications"
FINAL = ("Completed", "Failed", "Cancelled", "Crashed")
#: A run's later Failed/Crashed events within this time send no second message.
DEDUPLICATE = timedelta(minutes=10)

SUBJECT = "Veröffentlichung {{ flow_run.state.name }}: {{ flow.name }} ({{ flow_run.name }})"
BODY = """\
Publishing run {{ flow_run.name }} of {{ flow.name }} ended {{ flow_run.state.name }}.
Datasets: {% if flow_run.parameters.get('dataset') %}{{ flow_run.parameters['dataset'] }}\
{% elif flow_run.parameters.get('datasets') %}{{ flow_run.parameters['datasets'] | join(', ') }}\
{% else %}the whole catalogue{% endif %}
Profile: {{ flow_run.parameters.get('profile') or 'default' }}
What failed: {{ flow_run.state.message }}
Run: {{ flow_run | ui_url }}
"""


def _webhook_url(settings: Notifications, env: dict[str, str]) -> str:
    url = settings.webhook or (env.get(settings.webhook_env) if settings.webhook_env else None)
    if not url:
        where = f"${settings.webhook_env}" if settings.webhook_env else "notifications.webhook"
        raise ConfigError(f"notifications: no webhook URL (looked at {where})")
    return url


def apply_notifications(profile: PublisherProfile, env: dict[str, str]) -> list[str]:
    """Create or replace the notification block and both automations; return their names.

    Args:
        env: where ``notifications.webhook_env`` is looked up (the process environment).

    Raises:
        ConfigError: the profile has no ``notifications`` section or no webhook URL.
    """
    from prefect.automations import (
        Automation,
        ChangeFlowRunState,
        EventTrigger,
        Posture,
        SendNotification,
    )
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType

    settings = profile.notifications
    if settings is None:
        raise ConfigError(f"{profile.path}: no notifications section (see profiles/README.md)")
    block = CustomWebhookNotificationBlock(
        name=BLOCK,
        url=_webhook_url(settings, env),
        json_data={"subject": "{{subject}}", "text": "{{body}}"},
        headers=None,
        cookies=None,
    )
    block_id: UUID = block.save(BLOCK, overwrite=True)  # type: ignore[assignment]
    flows: dict[str, Any] = {"prefect.resource.role": "flow", "prefect.resource.name": list(FLOWS)}
    notify = Automation(
        name=NOTIFY,
        description=f"Profile {profile.name}: a failed or crashed publishing run notifies.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=flows,
            # one message per run: a second Failed/Crashed event of the same run within
            # DEDUPLICATE (Prefect may deliver an event twice) is not sent again
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
            within=DEDUPLICATE,
        ),
        actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
    )
    silent = Automation(
        name=SILENT,
        description="A publishing run whose heartbeats stop (its worker died) is crashed.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{s}" for s in FINAL)},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=flows,
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=settings.crash_after),
        ),
        actions=[
            ChangeFlowRunState(
                name="Crashed",
                force=False,
                state=StateType.CRASHED,
                message=f"no heartbeat for {settings.crash_after} s: the worker or its "
                "machine stopped while the run was going",
            )
        ],
    )
    with get_client(sync_client=True) as client:
        for automation in (notify, silent):
            for old in client.read_automations_by_name(name=automation.name):
                client.delete_automation(old.id)
    for automation in (notify, silent):
        automation.create()
    return [BLOCK, NOTIFY, SILENT]
