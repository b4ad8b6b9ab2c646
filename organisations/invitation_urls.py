from django.urls import path

from organisations.views import invitations

app_name = "invitations"

# Mounted at /invitations/ by config/urls.py. The token is whatever the link
# carries: an unknown one gets the "This link is not valid" page, not a 404
# from the URL resolver.
urlpatterns = [
    path("<str:token>/", invitations.accept, name="accept"),
]
