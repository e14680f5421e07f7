"""The sample packs shipped for users: one valid, realistic pack of every kind of every release.

``data/<service>/<release>/<name>.xml`` holds the packs (invented people, places and amounts; each
CNF addressed to the demo insurer COMP001). ``catalogue`` says what each file is and which pack it
is; ``export`` writes them to a directory with their dates moved to the day of export, validating
each on the way (``gateway samples export``); ``tailor`` fits a sample to one claim (a fresh CR
reference, the loss types of the request it answers), for the sandbox counterpart.
"""
