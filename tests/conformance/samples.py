"""Published samples, facts copied from the documentation and public clients (source beside each).

The conformance tests run them through the app's parsers and flows and compare them with what the
sandbox produces.
"""

# bitrix24/b24restdocs api-reference/crm/deals/crm-deal-fields.md — the fields a deal has around the
# origin markers (the sample answer lists ORIGINATOR_ID and ORIGIN_ID and no ORIGIN_VERSION); and
# api-reference/crm/main-entities-fields.md: only contacts and companies have ORIGIN_VERSION.
DEAL_ORIGIN_FIELDS = {"ORIGINATOR_ID": "string", "ORIGIN_ID": "string"}
NOT_DEAL_OR_LEAD_FIELDS = ("ORIGIN_VERSION",)

# api-reference/chats/notifications/im-notify-system-add.md — the example call.
NOTIFY_SYSTEM_ADD = {
    "USER_ID": 5,
    "MESSAGE": "System notification",
    "MESSAGE_OUT": "System notification for email",
    "TAG": "SYSTEM_EVENT_42",
    "SUB_TAG": "SYSTEM_EVENT|42",
}

# api-reference/imopenlines/imconnector/imconnector-send-messages.md — user.name / last_name:
# "letters, spaces, hyphens, and apostrophes. Numbers and other special characters are not
# allowed. The maximum length for name and last_name is 25 characters."
OL_NAME_MAX = 25
OL_NAME_ALLOWED = r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$"

# api-reference/events/event-offline-get.md — a record of `events` in its answer.
OFFLINE_EVENT_KEYS = (
    "ID",
    "TIMESTAMP_X",
    "EVENT_NAME",
    "EVENT_DATA",
    "EVENT_ADDITIONAL",
    "MESSAGE_ID",
)

# Chat2Desk's own inbox example (c2dbr-pt.gitbook.io/c2dbr/api-and-webhooks/webhooks-post, PHP dump
# of the JSON body): a new request's first message, operator and dialog empty.
FIRST_INBOX = {
    "message_id": 106773169,
    "type": "from_client",
    "text": "Text",
    "transport": "telegram",
    "client_id": 100,
    "operator_id": None,
    "dialog_id": None,
    "channel_id": 17,
    "photo": None,
    "coordinates": None,
    "audio": None,
    "pdf": None,
    "client": {
        "id": 17340089,
        "phone": "[tg] 807892",
        "client_phone": None,
        "name": "Peter",
        "assigned_name": None,
        "external_id": None,
    },
    "hook_type": "inbox",
    "request_id": 8725057,
    "attachments": [],
    "is_new_request": 1,
    "is_new_client": None,
    "extra_data": {},
    "event_time": "2019-07-28T23:01:40Z",
}

# Chat2Desk's webhook-signature example (Postman "Chat2Desk Public API", Webhook Signature
# Verification, changelog 2025-06-06; copied byte for byte in the public test file indexed as
# shared/reference/chat2desk.md [WALL]): body, unix timestamp, key, HMAC-SHA256 hex.
SIGNED_BODY = (
    '{"message_id":28780,"type":"from_client","text":"test7","transport":"widget",'
    '"client_id":12568,"operator_id":null,"dialog_id":942,"channel_id":1,'
    '"photo":null,"coordinates":null,"audio":null,"pdf":null,'
    '"client":{"id":12568,"phone":"[chat] 1d0bb2e221762cfcc05c",'
    '"client_phone":null,"name":"[chat] 1d0bb2e221762cfcc05c",'
    '"assigned_name":null,"external_id":null},"hook_type":"inbox",'
    '"request_id":5357,"attachments":[],"is_new_request":false,'
    '"is_new_client":false,"insta_comment":false,"extra_data":{},'
    '"is_new":true,"event_time":"2025-04-03T11:50:06.984494Z"}'
)
SIGNED_TIMESTAMP = "1743681006"
SIGNED_KEY = "md5_api_token"
SIGNATURE = "88b574d8237e1b7740f88102018b734d3dd5bc6803c509a3694eff9721b0c595"

# RA-Company/ctd dialogs.go — `type Dialog struct`: the keys of GET /dialogs/{id} `data`.
DIALOG_KEYS = {
    "id",
    "state",
    "begin",
    "end",
    "last_message",
    "last_request_id",
    "messages",
    "operator_id",
}
# RA-Company/ctd messages.go — `type MessageItem struct` (last_message): client and channel ids.
MESSAGE_ID_KEYS = {"id", "operator_id", "channel_id", "dialog_id", "client_id", "request_id"}
# RA-Company/ctd request.go — `type RequestMessage struct`: camelCase ids, int64 (no operator → 0).
REQUEST_MESSAGE_KEYS = {"id", "type", "clientID", "operatorID", "channelID", "dialogID"}

# RA-Company/ctd custom-client-fields.go — this endpoint answers `status: "ok"`
# (GetCustomClientFields checks `response.Status != "ok"`) with `data` and no `meta`.
CUSTOM_FIELDS_ENVELOPE = {"status": "ok"}

# Access-right names in Chat2Desk's other languages seen in public fixtures (issue #12 item 11).
ROLE_NAMES = {"Supervayzer": "supervisor", "Supervizor": "supervisor", "Адміністратор": "admin"}

# Chat2Desk web hosts seen in public code: sign-in/sign-up pages calling
# https://web.chat2desk.kg/api/user/sign_in, userscripts matching *://web.chat2desk.by/*.
WEB_HOSTS = ("https://web.chat2desk.kg", "https://web.chat2desk.by")
