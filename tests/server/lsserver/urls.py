from django.urls import include, path, re_path

from . import views
from .testctl import views as testctl_views

urlpatterns = [
    path('', include('lsserver.jwt_auth.urls')),
    path('', include('lsserver.projects.urls')),
    path('api/current-user/whoami', views.WhoAmIAPI.as_view(), name='current-user-whoami'),
    path('api/current-user/token', views.UserTokenAPI.as_view(), name='current-user-token'),
    path('api/current-user/reset-token/', views.UserResetTokenAPI.as_view(), name='current-user-reset-token'),
    # Test-only control plane (shared secret, never logged, never faulted).
    path('_test/stats', testctl_views.stats),
    path('_test/tasks', testctl_views.tasks),
    path('_test/knobs', testctl_views.knobs),
    path('_test/reset', testctl_views.reset),
    path('_test/new-pat', testctl_views.new_pat),
    # Upstream uses unanchored regexes here; /health and /api/version reach them through the slash retry.
    re_path(r'api/version/', views.VersionAPI.as_view(), name='api-version'),
    re_path(r'health/', views.health, name='health'),
]

# Unknown routes (including unknown /api/ paths) answer Label Studio's HTML 404 page.
handler404 = 'lsserver.views.page_not_found'
