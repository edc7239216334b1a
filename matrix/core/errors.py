"""The base of every refusal a service raises for a person: it carries a message already in their language
(a lazy translation), which the view shows; the service has changed nothing."""


class Refused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
