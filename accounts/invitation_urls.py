from django.urls import path

from accounts import invitation_views

app_name = "invitations"

# Mounted at /invitations/ by config/urls.py. The token is whatever the link
# carries: an unknown one gets the "This link is not valid" page, not a 404
# from the URL resolver.
urlpatterns = [
    path("<str:token>/", invitation_views.accept, name="accept"),
]
