from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# The admin asks staff for a TOTP code at its sign-in, and admits only verified sessions.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Offerwatch administration"
admin.site.site_title = "Offerwatch admin"

urlpatterns = [
    path("", include("ops.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("", include("records.urls")),
    path("", include("analyst.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Problems (application/problem+json) under /api/, Django's usual pages elsewhere.
handler400 = "api.problems.handler400"
handler404 = "api.problems.handler404"
handler500 = "api.problems.handler500"
