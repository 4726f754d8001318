"""Names of settings as the admin sees them; rules quote these so messages name the setting."""

from flask_babel import lazy_gettext as _l

NOTIFY_INCOMING = _l("Notify about incoming messages")
OPENLINES_ENABLED = _l("Transfer messages to Open Lines")
OPENLINE_ID = _l("Open Line")
SIGN_GROUP_PHONE = _l("Sign the phone number in group-chat messages")
DIALOG_LINKS = _l("Open dialogs by link in")
TAG_MODE = _l("Tag processing")
TAGS = _l("Tags")
SEND_PREVIOUS_ON_TAG = _l("Send earlier messages to Open Lines after tagging")
NOTIFY_ASSIGNMENT = _l("Notify the Bitrix24 user when a dialog is assigned to them")
SHOW = {
    "show_client_name": _l("Show the client's name"),
    "show_text": _l("Show the message text"),
    "show_dialog_id": _l("Show the dialog id"),
    "show_dialog_link": _l("Show the dialog link"),
    "show_entity_links": _l("Show links to linked CRM entities"),
}
TAB_ACCESS = _l("Who sees the Chat2Desk tab in CRM cards")
TAB_USERS = _l("Users who may use the tab")
OL_SIGN_OPERATOR = _l("Show the operator's name on replies typed in Chat2Desk")
OL_WAIT_OPERATOR = _l("Hold messages until Chat2Desk assigns an operator")
OL_DELIVERY_ERRORS = _l("Report Chat2Desk delivery failures in the Open Line")
ESCALATE_MINUTES = _l("Escalate an unanswered message after (minutes)")
