"""Files attached to cases and to replies: photos of a broken street lamp, a scanned letter,
an office document, a voicemail recording.

- `service`: who may attach, the limits, the audit (every upload and download is a case event
  with the client's address), and the reply that carries files (pages).
- `types`: the file's type read from its bytes (the declared type and the extension are not
  trusted), against the allowed types (ATTACHMENT_TYPES).
- `names`: the uploader's file name made safe to show and to offer on download (Chinese kept;
  paths, control and direction characters dropped). The file is stored under a random id.
- `storage`: the folder (ATTACHMENTS_DIR, default instance/attachments), written atomically.
- `uploads`: the larger request-body limit of the views that take files.
"""
